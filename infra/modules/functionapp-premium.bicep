// The Function App on an Elastic Premium plan (Linux, EP1..EP3) running the .NET isolated worker
// (FUNCTIONS_WORKER_RUNTIME=dotnet-isolated, DOTNET-ISOLATED|10.0). The Flex Consumption variant is functionapp.bicep.
// The package runs from its blob in the deployment container, fetched with the identity
// (WEBSITE_RUN_FROM_PACKAGE + WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID). No Azure Files content
// share: its settings need an account key, and the storage account allows none.
import { appSettingType } from 'types.bicep'

@description('Function App name (also the host name prefix).')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Name of the storage account for the host, leases and the events queue.')
param storageAccountName string

@description('Blob service endpoint of that account.')
param blobEndpoint string

@description('Queue service endpoint of that account.')
param queueEndpoint string

@description('Table service endpoint of that account (the shared replay table).')
param tableEndpoint string

@description('Name of the replay table.')
param replayTableName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Name of the package blob in that container (package.sh builds jiraauthfunctions.zip).')
param packageBlobName string = 'jiraauthfunctions.zip'

@description('URI of the Key Vault.')
param keyVaultUri string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Optional. The app\'s configuration rendered by main.bicep (Inbound__Integrations__*, Jira__Connections__*), added to the settings below.')
param configurationSettings appSettingType[] = []

@description('Optional. Resource id of the subnet the app integrates into (private networking); empty: none.')
param virtualNetworkSubnetId string = ''

@description('Elastic Premium size.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param sku string = 'EP1'

@description('Maximum number of instances the plan scales out to.')
@minValue(1)
@maxValue(100)
param maximumElasticWorkerCount int = 20

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${name}-plan'
  location: location
  tags: tags
  kind: 'elastic'
  sku: {
    name: sku
    tier: 'ElasticPremium'
  }
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: maximumElasticWorkerCount
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Private addresses (the vault's and the storage account's private endpoints) go through the VNet; the rest does not.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      linuxFxVersion: 'DOTNET-ISOLATED|10.0'
      // One warm instance at least, so the first Jira request after a quiet night is not a cold start.
      minimumElasticInstanceCount: 1
      // The platform's health check pings /api/health on each instance every minute: an instance that
      // answers non-2xx is taken out of the load balancer and replaced after an hour. The endpoint answers
      // 503 only for a fault of that instance that a new one fixes (HealthEndpoint); shared outages
      // (Key Vault, the storage account) answer 200 with "unhealthy" in the body, for the availability
      // alert (availability.bicep), so they never recycle every instance. Flex Consumption has no
      // platform health check (functionapp.bicep): there the availability alert alone watches it.
      healthCheckPath: '/api/health'
      // The settings shared with functionapp.bicep, then the Premium ones (the infra tests check both).
      appSettings: [
        // The Functions host's own storage, by identity (no account keys).
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // Telemetry of the host and the worker (OpenTelemetry, Azure Monitor exporter), ingested with the identity (local auth is off).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
        // The app: Key Vault secret store, blob leases, the events queue (AddSecrets, AddJira, AddInbound).
        { name: 'KeyVault__VaultUri', value: keyVaultUri }
        { name: 'KeyVault__ManagedIdentityClientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'Storage__BlobServiceUri', value: blobEndpoint }
        { name: 'Storage__QueueServiceUri', value: queueEndpoint }
        { name: 'Events__Sink', value: 'Queue' }
        // Replay protection shared by every instance (fails closed: 503 when the table cannot answer).
        { name: 'Storage__TableServiceUri', value: tableEndpoint }
        { name: 'Inbound__ReplayStore', value: 'Table' }
        { name: 'Inbound__ReplayTableName', value: replayTableName }
        // Revocations in the same table, read by every instance every 30 s (the CLI's table target; never the read-only package's file).
        { name: 'Inbound__RevocationStore', value: 'Table' }
        // Premium only: the runtime by setting, and the package from its blob with the identity.
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
        { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '${deploymentContainerUrl}/${packageBlobName}' }
        { name: 'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID', value: identityId }
        // Integrations and Jira connections from main.bicep's parameters: a deployment replaces all settings, so they come with it.
        ...configurationSettings
      ]
    }
  }
}

// No FTP and no basic-auth publishing: deployments use Entra identities.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the Function App.')
output name string = site.name

@description('Default host name of the Function App.')
output defaultHostName string = site.properties.defaultHostName
