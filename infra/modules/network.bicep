// Private networking (main.bicep privateNetworking): a VNet the Function App integrates into, private
// endpoints for Key Vault and the blob, queue and table services, and the private DNS zones that make
// the usual host names (<vault>.vault.azure.net, <account>.blob.core.windows.net, ...) resolve to those
// endpoints inside the VNet. The vault and the account then turn public access off. Only private
// addresses go through the VNet: the app still reaches Atlassian directly, without a NAT gateway.

// ========== //
// Parameters //
// ========== //

@description('Required. Name of the VNet; subnets, endpoints and links derive from it.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Address space of the VNet, /23 or larger: the first /24 is the app\'s subnet, the second the private endpoints\'.')
param addressPrefix string = '10.20.0.0/23'

@description('Required. Delegation of the app\'s subnet: Microsoft.App/environments for Flex Consumption, Microsoft.Web/serverFarms for Elastic Premium.')
@allowed([
  'Microsoft.App/environments'
  'Microsoft.Web/serverFarms'
])
param appSubnetDelegation string

@description('Required. Resource id of the Key Vault.')
param keyVaultId string

@description('Required. Resource id of the storage account.')
param storageAccountId string

// ========== //
// Variables  //
// ========== //

// One endpoint per service the app reaches: group id, the target and its private DNS zone.
var endpoints = [
  {
    groupId: 'vault'
    target: keyVaultId
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, 'vault', 'vaultcore')}'
  }
  {
    groupId: 'blob'
    target: storageAccountId
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    groupId: 'queue'
    target: storageAccountId
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    groupId: 'table'
    target: storageAccountId
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
]

// ========== //
// Resources  //
// ========== //

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          delegations: [
            {
              name: 'app'
              properties: {
                serviceName: appSubnetDelegation
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource appSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-05-01' existing = {
  parent: vnet
  name: 'app'
}

resource endpointSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-05-01' existing = {
  parent: vnet
  name: 'private-endpoints'
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [for endpoint in endpoints: {
  name: '${name}-${endpoint.groupId}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: endpointSubnet.id
    }
    privateLinkServiceConnections: [
      {
        name: endpoint.groupId
        properties: {
          privateLinkServiceId: endpoint.target
          groupIds: [
            endpoint.groupId
          ]
        }
      }
    ]
  }
}]

// Each endpoint registers its address in its zone (the A record the app resolves).
resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.groupId
        properties: {
          privateDnsZoneId: zones[i].id
        }
      }
    ]
  }
}]

// ======== //
// Outputs  //
// ======== //

@description('Resource id of the app\'s subnet (the Function App\'s virtualNetworkSubnetId).')
output appSubnetId string = appSubnet.id

@description('Resource id of the VNet.')
output id string = vnet.id
