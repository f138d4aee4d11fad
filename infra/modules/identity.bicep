// The user-assigned managed identity the app uses for everything: host storage, Key Vault, App Insights.
@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Client id of the identity (for AzureWebJobsStorage__clientId, AZURE_CLIENT_ID, ...).')
output clientId string = identity.properties.clientId

@description('Principal id of the identity (for role assignments).')
output principalId string = identity.properties.principalId
