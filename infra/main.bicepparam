// A dev environment: az deployment group create -g jiraauth-dev -f infra/main.bicep -p infra/main.bicepparam
using 'main.bicep'

param baseName = 'jiraauthdev'
param tags = {
  environment: 'dev'
  app: 'JiraAuthFunctions'
}
// Who the alerts notify; empty (ALERT_EMAIL unset) means nobody, and the deployment's output alertNotifications says NONE.
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
param maximumInstanceCount = 40
