// Storage for the Functions host and the app: no shared keys, no public blobs, TLS 1.2; blob soft
// delete (the deployment package, the renewal leases); every data-plane write and delete logged to the workspace.

// ========== //
// Parameters //
// ========== //

@description('Required. Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Blob container the Flex Consumption plan deploys the package from.')
param deploymentContainerName string = 'deployment-package'

@description('Optional. Table of accepted jtis (the app reads it as Inbound:ReplayTableName; its default is replay).')
param replayTableName string = 'replay'

@description('Optional. The queue accepted events go to (Events:QueueName; the app\'s default is accepted-events).')
param queueName string = 'accepted-events'

@description('Optional. Whether the account is reachable from public networks. Disabled when the app reaches it over private endpoints (main.bicep privateNetworking).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Optional. Days a deleted or overwritten blob, or a deleted container, can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionInDays int = 7

@description('Required. Resource id of the Log Analytics workspace that receives the storage logs.')
param workspaceId string

// ========== //
// Resources  //
// ========== //

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

// Soft delete covers the containers below: an overwritten package or a deleted lease blob can be
// restored for softDeleteRetentionInDays, and so can a deleted container.
resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionInDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionInDays
    }
  }
}

// The deployment package; the renewal leases (one blob per Jira connection); oversized accepted events.
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [for container in [deploymentContainerName, 'leases', queueName]: {
  parent: blobs
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource acceptedEvents 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queues
  name: queueName
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: account
  name: 'default'
}

// Accepted jtis of per-request tokens, shared by every instance (Inbound:ReplayStore=Table).
resource replayTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = {
  parent: tables
  name: replayTableName
}

// Writes and deletes on each service (who changed a package, a lease, the queue, the replay table).
// Reads are left out: the host and every request read all the time, and the workspace bills per GB.
var storageLogs = [
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: blobs
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource queueLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: queues
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource tableLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: tables
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

// ======== //
// Outputs  //
// ======== //

@description('Name of the replay table.')
output replayTableName string = replayTable.name

@description('Name of the accepted-events queue.')
output queueName string = acceptedEvents.name

@description('Resource id of the storage account.')
output id string = account.id

@description('Name of the storage account.')
output name string = account.name

@description('Blob service endpoint.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Table service endpoint.')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('URL of the deployment container.')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
