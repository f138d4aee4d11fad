// Two integrations and the Jira connection one of them needs, deployed as app settings: each deployment
// carries them (a setting added by hand with the CLI is gone after the next deployment).
//   az deployment group create -g jiraauth-dev -f infra/main.bicep -p infra/examples/two-integrations.bicepparam
// Secrets are not here: put inbound-ci and jira-cloud-client-secret / jira-cloud-refresh-token in the vault.
// The infra tests deploy this file's settings into the app in memory and check it starts and knows both.
using '../main.bicep'

param baseName = 'jiraauthdev'
param tags = {
  environment: 'dev'
  app: 'JiraAuthFunctions'
}
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')

param integrations = {
  // A Jira automation rule holding a long-lived token minted with the CLI (secret inbound-ci in Key Vault).
  ci: {
    Verification: 'SharedSecret'
    Issuers: [
      'jira-rule'
    ]
    Audience: 'jira-auth-functions'
    Algorithms: [
      'HS256'
    ]
    RequiredScopes: [
      'events:write'
    ]
    Replay: 'LongLivedToken'
    MaxTokenLifetime: '90.00:00:00'
  }
  // Jira's dynamic webhooks of the OAuth 2.0 app of connection cloud (signed with its client secret).
  'jira-webhooks': {
    Verification: 'OAuthApp'
    JiraConnection: 'cloud'
  }
}

param jiraConnections = {
  cloud: {
    ClientId: 'your-oauth-app-client-id'
    CloudId: '11111111-2222-3333-4444-555555555555'
    RefreshWebhooks: true
  }
}
