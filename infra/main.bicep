// JiraAuthFunctions: everything the app needs, in one resource group, one command:
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
targetScope = 'resourceGroup'

import { integrationType, jiraConnectionType, integrationSettings, jiraConnectionSettings } from 'modules/types.bicep'

// ========== //
// Parameters //
// ========== //

@description('Required. Short name for this deployment; resource names derive from it. Letters, digits and inner hyphens are kept as they are; any other character is dropped from the names (the storage account name drops hyphens too).')
@minLength(3)
@maxLength(12)
param baseName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Tags for every resource.')
param tags object = {}

@description('Optional. Private networking: a VNet with the Function App integrated into it (subnet delegated to Microsoft.App/environments on Flex Consumption, Microsoft.Web/serverFarms on Elastic Premium), private endpoints for Key Vault and the blob, queue and table services, private DNS zones linked to the VNet, and public network access Disabled on the vault and the storage account. The app itself stays reachable from Jira.')
param privateNetworking bool = false

@description('Optional. Address space of the VNet (privateNetworking only): a /24 or larger; the app subnet is its first /26... /24, the private endpoints the next.')
param virtualNetworkAddressPrefix string = '10.20.0.0/23'

@description('Required. E-mail address the alerts notify through an action group this deployment creates. Empty means no notification at all: the alerts still fire, and the output alertNotifications says NONE.')
param alertEmail string

@description('Optional. Resource id of an existing action group to notify instead of creating one from alertEmail.')
param actionGroupId string = ''

@description('Optional. Integrations (Inbound:Integrations:<name>) the app serves, keyed by name (the URL segment: lowercase letters, digits, -). Rendered into Inbound__Integrations__<name>__<Key> app settings, so every deployment carries them (see infra/examples/two-integrations.bicepparam).')
param integrations { *: integrationType } = {}

@description('Optional. Outbound Jira connections (Jira:Connections:<name>), keyed by name. Rendered into Jira__Connections__<name>__<Key> app settings.')
param jiraConnections { *: jiraConnectionType } = {}

@description('Optional. Changes every globally unique name (Key Vault, storage, Function App). Leave empty; set it only to recreate an environment beside a soft-deleted vault that you do not recover (README, "Recreate an environment").')
param nameSeed string = ''

@description('Optional. recover: recover the soft-deleted Key Vault of the same name (with its secrets) instead of creating one. Needed once after the resource group was deleted; then back to default.')
@allowed([
  'default'
  'recover'
])
param keyVaultCreateMode string = 'default'

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

// ========== //
// Variables  //
// ========== //

// Names. baseName may be anything of 3-12 characters: it is reduced to letters, digits and single
// inner hyphens (nameBase), which every name below accepts; a baseName already of that form is
// used as is, so an existing deployment keeps its names. The storage account takes no hyphen.
var baseNameChars = map(range(0, length(baseName)), i => substring(baseName, i, 1))
var baseNameKept = reduce(baseNameChars, '', (kept, c) => contains('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-', c) && !(c == '-' && (empty(kept) || endsWith(kept, '-'))) ? '${kept}${c}' : kept)
var baseNameTrimmed = endsWith(baseNameKept, '-') ? take(baseNameKept, length(baseNameKept) - 1) : baseNameKept
var nameBase = empty(baseNameTrimmed) ? 'jiraauth' : baseNameTrimmed
var suffix = empty(nameSeed) ? uniqueString(resourceGroup().id, baseName) : uniqueString(resourceGroup().id, baseName, nameSeed)
var names = {
  identity: '${nameBase}-id'
  storage: take(toLower('${replace(nameBase, '-', '')}${suffix}'), 24)
  // A vault name starts with a letter; the suffix always reaches position 24, so take() never ends on a hyphen.
  keyVault: take(contains('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', first(nameBase)) ? '${nameBase}-kv-${suffix}' : 'kv-${nameBase}-${suffix}', 24)
  functionApp: '${nameBase}-${suffix}'
  network: '${nameBase}-vnet'
  actionGroup: '${nameBase}-oncall'
}

var flex = hostingPlan == 'FlexConsumption'
var functionAppName = names.functionApp

// The app's configuration that must survive a redeploy: the deployment replaces all app settings.
var configurationSettings = concat(integrationSettings(integrations), jiraConnectionSettings(jiraConnections))

// azd finds the app to deploy to by this tag (azure.yaml, service api).
var functionAppTags = union(tags, { 'azd-service-name': 'api' })

// ========== //
// Resources  //
// ========== //

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: nameBase
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    createMode: keyVaultCreateMode
    workspaceId: monitoring.outputs.workspaceId
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: names.network
    location: location
    tags: tags
    addressPrefix: virtualNetworkAddressPrefix
    appSubnetDelegation: flex ? 'Microsoft.App/environments' : 'Microsoft.Web/serverFarms'
    keyVaultId: keyVault.outputs.id
    storageAccountId: storage.outputs.id
  }
}

// Before the app: its first requests need every role (a missing one is a 403 from Key Vault or storage).
module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    queueName: storage.outputs.queueName
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.insightsName
  }
}

module functionApp 'modules/functionapp.bicep' = if (flex) {
  name: 'functionApp'
  dependsOn: [
    roles
  ]
  params: {
    name: functionAppName
    location: location
    tags: functionAppTags
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
    configurationSettings: configurationSettings
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
  }
}

module functionAppPremium 'modules/functionapp-premium.bicep' = if (!flex) {
  name: 'functionAppPremium'
  dependsOn: [
    roles
  ]
  params: {
    name: functionAppName
    location: location
    tags: functionAppTags
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
    configurationSettings: configurationSettings
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
  }
}

var defaultHostName = flex ? functionApp!.outputs.defaultHostName : functionAppPremium!.outputs.defaultHostName

var createActionGroup = empty(actionGroupId) && !empty(alertEmail)

module actionGroup 'modules/actiongroup.bicep' = if (createActionGroup) {
  name: 'actionGroup'
  params: {
    name: names.actionGroup
    shortName: take(nameBase, 12)
    tags: tags
    email: alertEmail
  }
}

var notifiedActionGroupId = !empty(actionGroupId) ? actionGroupId : createActionGroup ? actionGroup!.outputs.id : ''

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    name: nameBase
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.insightsId
    actionGroupId: notifiedActionGroupId
  }
}

// /api/health from outside, every 5 minutes from five locations: alerts while it says unhealthy or does not answer 200.
module availability 'modules/availability.bicep' = {
  name: 'availability'
  params: {
    name: nameBase
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.insightsId
    hostName: defaultHostName
    actionGroupId: notifiedActionGroupId
  }
}

// ======== //
// Outputs  //
// ======== //

@description('Base URL of the Function App.')
output functionBaseUrl string = 'https://${defaultHostName}'

@description('The URL to paste into a Jira automation rule, with the integration name filled in.')
output eventEndpointUrlTemplate string = 'https://${defaultHostName}/api/jira/events/{integration}'

@description('URI of the Key Vault: put the first shared secret here.')
output keyVaultUri string = keyVault.outputs.uri

@description('Name of the Key Vault (az keyvault secret set --vault-name).')
output keyVaultName string = keyVault.outputs.name

@description('Name of the storage account (the package container, the events queue, the replay table).')
output storageAccountName string = storage.outputs.name

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

@description('Who the alerts notify. NONE means nobody: set alertEmail or actionGroupId.')
output alertNotifications string = !empty(actionGroupId) ? 'action group ${actionGroupId}' : createActionGroup ? 'e-mail to ${alertEmail} (action group ${names.actionGroup})' : 'NONE: alertEmail is empty and no actionGroupId is given; the alerts fire but notify nobody'

@description('Integrations deployed as app settings (the names in the event URLs).')
output integrationNames string[] = objectKeys(integrations)
