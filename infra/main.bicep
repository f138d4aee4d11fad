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

@description('Maximum number of Function App instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

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

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    name: '${baseName}-${suffix}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    keyVaultUri: keyVault.outputs.uri
    appInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
  }
}

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
output functionBaseUrl string = 'https://${functionApp.outputs.defaultHostName}'

@description('The URL to paste into a Jira automation rule, with the integration name filled in.')
output eventEndpointUrlTemplate string = 'https://${functionApp.outputs.defaultHostName}/api/jira/events/{integration}'

@description('URI of the Key Vault: put the first shared secret here.')
output keyVaultUri string = keyVault.outputs.uri

@description('Client id of the app identity.')
output identityClientId string = identity.outputs.clientId

@description('Name of Application Insights, for on-call.')
output appInsightsName string = monitoring.outputs.insightsName

@description('Name of the Function App, for the deploy command.')
output functionAppName string = functionApp.outputs.name
