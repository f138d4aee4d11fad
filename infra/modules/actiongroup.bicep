// The action group the alerts notify: one e-mail receiver (on-call's list or a team mailbox).

// ========== //
// Parameters //
// ========== //

@description('Required. Name of the action group.')
param name string

@description('Required. Short name shown in e-mails and SMS (at most 12 characters).')
@maxLength(12)
param shortName string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. E-mail address to notify.')
@minLength(3)
param email string

// ========== //
// Resources  //
// ========== //

resource group 'Microsoft.Insights/actionGroups@2024-10-01-preview' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

// ======== //
// Outputs  //
// ======== //

@description('Resource id of the action group.')
output id string = group.id
