// The Function App on the Flex Consumption plan running the .NET isolated worker (runtime dotnet-isolated 10.0).
// The Elastic Premium variant is functionapp-premium.bicep; main.bicep deploys one of them (hostingPlan).
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

@description('URI of the Key Vault.')
param keyVaultUri string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Optional. The app\'s configuration rendered by main.bicep (Inbound__Integrations__*, Jira__Connections__*), added to the settings below.')
param configurationSettings appSettingType[] = []

@description('Optional. Resource id of the subnet the app integrates into (private networking); empty: none.')
param virtualNetworkSubnetId string = ''

@description('Maximum number of instances the plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Instances kept warm for the HTTP functions (always-ready group "http"); billed while idle. 0: scale to zero.')
@minValue(0)
@maxValue(10)
param alwaysReadyHttpInstances int = 0

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${name}-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
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
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
      }
      // The version is the string "10.0": "10" is accepted by the deployment and fails when the host starts.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // No healthCheckPath: Flex Consumption does not support the platform's health check (Premium and
      // Dedicated do); /api/health is watched by the availability test and its alert (availability.bicep).
      // Flex takes the runtime from functionAppConfig: no FUNCTIONS_WORKER_RUNTIME, no WEBSITE_RUN_FROM_PACKAGE.
      // The settings below are the ones functionapp-premium.bicep shares (the infra tests check both).
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
