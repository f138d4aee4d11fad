// A dev environment: az deployment group create -g jiraauth-dev -f infra/main.bicep -p infra/main.bicepparam
using 'main.bicep'

param baseName = 'jiraauthdev'
param tags = {
  environment: 'dev'
  app: 'JiraAuthFunctions'
}
param keyVaultPublicNetworkAccess = 'Enabled'
param maximumInstanceCount = 40
