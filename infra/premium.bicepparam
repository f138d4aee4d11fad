// The same dev environment on Elastic Premium (EP1, Linux) instead of Flex Consumption:
//   az deployment group create -g jiraauth-dev -f infra/main.bicep -p infra/premium.bicepparam
using 'main.bicep'

param baseName = 'jiraauthdev'
param tags = {
  environment: 'dev'
  app: 'JiraAuthFunctions'
}
param keyVaultPublicNetworkAccess = 'Enabled'
param hostingPlan = 'ElasticPremium'
param premiumSku = 'EP1'
param premiumMaximumInstanceCount = 10
