// Key Vault for shared secrets, signing keys and OAuth tokens: RBAC only, soft delete and purge protection.
// Purge protection keeps a deleted vault's name for softDeleteRetentionInDays: recreating the
// environment either recovers it (createMode recover, secrets included) or takes new names (main.bicep nameSeed).

// ========== //
// Parameters //
// ========== //

@description('Required. Key Vault name (3-24 letters, digits and hyphens, starting with a letter).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Whether the vault is reachable from public networks. Disabled when the app reaches it over a private endpoint (main.bicep privateNetworking).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Optional. Days a deleted secret (or the deleted vault) can be recovered (7-90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Optional. default creates the vault (or updates it); recover brings back the soft-deleted vault of this name with its secrets.')
@allowed([
  'default'
  'recover'
])
param createMode string = 'default'

@description('Required. Resource id of the Log Analytics workspace that receives the audit log (every secret read and write, and who did it).')
param workspaceId string

// ========== //
// Resources  //
// ========== //

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    createMode: createMode
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-workspace'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

// ======== //
// Outputs  //
// ======== //

@description('Resource id of the vault.')
output id string = vault.id

@description('Name of the vault.')
output name string = vault.name

@description('URI of the vault (KeyVault__VaultUri).')
output uri string = vault.properties.vaultUri
