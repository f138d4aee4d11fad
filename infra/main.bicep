// JiraAuthFunctions: everything the app needs, in one resource group, one command:
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
targetScope = 'resourceGroup'

@description('Short name for this deployment; resource names derive from it.')
@minLength(3)
@maxLength(12)
param baseName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Tags for every resource.')
param tags object = {}

@description('Whether Key Vault is reachable from public networks.')
@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Resource id of the action group alerts notify; empty: alerts fire without notifying.')
param actionGroupId string = ''

@description('Hosting plan: FlexConsumption (default: runtime dotnet-isolated "10.0" in functionAppConfig, deployed from the blob container) or ElasticPremium (Linux, FUNCTIONS_WORKER_RUNTIME=dotnet-isolated, the package run from its blob by identity).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Maximum number of Function App instances on Flex Consumption.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Flex Consumption only: instances kept warm for the HTTP functions (group "http"), so no Jira request meets a cold start. Each one is billed while idle (the always-ready baseline rate, around the price of a small always-on VM per instance); 0 (default) scales to zero.')
@minValue(0)
@maxValue(10)
param alwaysReadyHttpInstances int = 0

@description('Elastic Premium size (hostingPlan ElasticPremium only).')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string = 'EP1'

@description('Maximum number of instances on Elastic Premium (hostingPlan ElasticPremium only).')
@minValue(1)
@maxValue(100)
param premiumMaximumInstanceCount int = 20

var suffix = uniqueString(resourceGroup().id, baseName)

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${baseName}-id'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: take(toLower('${baseName}${suffix}'), 24)
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: take('${baseName}-kv-${suffix}', 24)
    location: location
    tags: tags
    publicNetworkAccess: keyVaultPublicNetworkAccess
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: baseName
    location: location
    tags: tags
  }
}

var flex = hostingPlan == 'FlexConsumption'
var functionAppName = '${baseName}-${suffix}'

module functionApp 'modules/functionapp.bicep' = if (flex) {
  name: 'functionApp'
  params: {
    name: functionAppName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    replayTableName: storage.outputs.replayTableName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    keyVaultUri: keyVault.outputs.uri
    appInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

module functionAppPremium 'modules/functionapp-premium.bicep' = if (!flex) {
  name: 'functionAppPremium'
  params: {
    name: functionAppName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    replayTableName: storage.outputs.replayTableName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    keyVaultUri: keyVault.outputs.uri
    appInsightsConnectionString: monitoring.outputs.connectionString
    sku: premiumSku
    maximumElasticWorkerCount: premiumMaximumInstanceCount
  }
}

var defaultHostName = flex ? functionApp!.outputs.defaultHostName : functionAppPremium!.outputs.defaultHostName

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    name: baseName
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.insightsId
    actionGroupId: actionGroupId
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.insightsName
  }
}

@description('Base URL of the Function App.')
output functionBaseUrl string = 'https://${defaultHostName}'

@description('The URL to paste into a Jira automation rule, with the integration name filled in.')
output eventEndpointUrlTemplate string = 'https://${defaultHostName}/api/jira/events/{integration}'

@description('URI of the Key Vault: put the first shared secret here.')
output keyVaultUri string = keyVault.outputs.uri

@description('Client id of the app identity.')
output identityClientId string = identity.outputs.clientId

@description('Name of Application Insights, for on-call.')
output appInsightsName string = monitoring.outputs.insightsName

@description('Hosting plan deployed (the deploy command differs: see README).')
output hostingPlan string = hostingPlan

@description('Name of the Function App, for the deploy command.')
output functionAppName string = functionAppName

@description('Table service endpoint of the storage account: the CLI revokes tokens there (jiraauth revocation add ... --table-uri).')
output tableServiceUri string = storage.outputs.tableEndpoint
