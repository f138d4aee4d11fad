// Storage for the Functions host and the app: no shared keys, no public blobs, TLS 1.2.
@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Blob container the Flex Consumption plan deploys the package from.')
param deploymentContainerName string = 'deployment-package'

@description('Table of accepted jtis (the app reads it as Inbound:ReplayTableName; its default is replay).')
param replayTableName string = 'replay'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
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
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// The deployment package; the renewal leases (one blob per Jira connection); oversized accepted events.
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in [deploymentContainerName, 'leases', 'accepted-events']: {
  parent: blobs
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource acceptedEvents 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: 'accepted-events'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// Accepted jtis of per-request tokens, shared by every instance (Inbound:ReplayStore=Table).
resource replayTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tables
  name: replayTableName
}

@description('Name of the replay table.')
output replayTableName string = replayTable.name

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
