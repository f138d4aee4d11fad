// Alerts for on-call: log search rules over the handler's JSON log lines in Application Insights.
@description('Name prefix for the alert rules.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Resource id of Application Insights the rules query.')
param appInsightsId string

@description('Resource id of an action group to notify (e-mail, Teams, PagerDuty). Empty: the rules fire without notifying.')
param actionGroupId string = ''

@description('Rejections (401/403) in 15 minutes, per integration, that page on-call.')
@minValue(1)
param rejectionThreshold int = 50

@description('Signing:KeyLifetime of the app in days (its default is 30): a current signing key older than this plus the margin means rotation stalled.')
@minValue(2)
param signingKeyLifetimeDays int = 30

@description('Hours past the key lifetime (or past a due rotation step) before the stalled-rotation alert fires.')
@minValue(1)
param signingKeyStallMarginHours int = 6

// Seconds, as the signing-key gauges report them.
var signingKeyAgeLimit = (signingKeyLifetimeDays * 24 + signingKeyStallMarginHours) * 3600
var signingKeyOverdueLimit = signingKeyStallMarginHours * 3600

var logs = 'traces | extend EventId = toint(customDimensions.EventId)'

var rules = [
  {
    key: 'jira-reauthorization'
    severity: 1
    description: 'A Jira connection needs a person: its refresh token was refused (reason reauthorization_required). Authorize the app again and store the new refresh token.'
    query: '${logs} | where EventId == 431 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
  }
  {
    key: 'events-not-stored'
    severity: 1
    description: 'Accepted events could not be written (503 sink_unavailable): Jira retries, but check the storage account.'
    query: '${logs} | where EventId == 230 | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'jira-webhook-expired'
    severity: 1
    description: 'A Jira dynamic webhook passed its 30-day expiry (event 442, reason webhook_expired): Jira may have stopped sending its events. See infra/queries/credentials-health.kql; re-register it if the job cannot extend it.'
    query: '${logs} | where EventId == 442 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
  }
  {
    key: 'replay-table-unavailable'
    severity: 1
    description: 'The shared replay table cannot answer (event 600): every per-request token is refused with 503 replay_check_unavailable (Jira retries). Check the storage account table service and the identity role Storage Table Data Contributor.'
    query: '${logs} | where EventId == 600 | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'revocations-unavailable'
    severity: 2
    description: 'The revocation list cannot be read (event 225 table store, 221 file, 226 at start: the instance does not start). Running instances keep the last list they read, so revocations made since are not seen until it answers. Check the storage account table service and the identity role Storage Table Data Contributor; /api/health shows revocations with its last success.'
    query: '${logs} | where EventId in (221, 225, 226) | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'rejections'
    severity: 2
    description: 'Many requests rejected for one integration: a rotated secret, an expired rule token or an attack. Run infra/queries/why-was-jira-refused.kql.'
    query: '${logs} | where EventId == 201 | extend Integration = tostring(customDimensions.Integration), Status = toint(customDimensions.StatusCode) | where Status in (401, 403) | summarize Count = count() by Integration'
    threshold: rejectionThreshold
  }
  {
    key: 'credentials-job'
    severity: 2
    description: 'A credentials job step failed (event 410). See infra/queries/credentials-health.kql.'
    query: '${logs} | where EventId == 410 | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'jira-renewal-failing'
    severity: 2
    description: 'A Jira renewal failed twice within 15 minutes (two runs in a row; throttled or the token endpoint down). The access token expires within the renewal window.'
    query: '${logs} | where EventId == 432 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 1
  }
  {
    key: 'jira-webhook-refresh-failing'
    severity: 2
    description: 'Listing or extending the dynamic webhooks of a Jira connection failed in three runs within 15 minutes (events 441/443, reason webhook_refresh_failed). The webhooks keep up to 10 days; the log line gives the HTTP status.'
    query: '${logs} | where EventId in (441, 443) | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 2
  }
  {
    key: 'lease-store-unavailable'
    severity: 2
    description: 'A Jira renewal that was due did not happen: the lease store (blob container leases in the storage account) failed (event 435; the line gives the status and error code and whether the access token has expired). Outbound Jira calls stop when the access token expires; signing-key steps fail too (event 410).'
    query: '${logs} | where EventId == 435 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
  }
  {
    key: 'key-vault-unavailable'
    severity: 2
    description: 'Secret reads fail (event 301: Key Vault throttling, outage or a missing role). Held keys keep verifying for up to an hour; then requests get 503 keys_unavailable.'
    query: '${logs} | where EventId == 301 | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'signing-key-rotation-stalled'
    severity: 2
    description: 'The signing keys stopped rotating: the current key has signed longer than Signing:KeyLifetime plus the margin, or a step (publish, promote, retire) is overdue by the margin (metrics jiraauth.signing.*). The credentials job is failing or not running: see event 410 and infra/queries/credentials-health.kql, then run the timer by hand.'
    query: 'customMetrics | where name in ("jiraauth.signing.current_key.age_seconds", "jiraauth.signing.seconds_to_next_step") | summarize Age = maxif(value, name == "jiraauth.signing.current_key.age_seconds"), ToNextStep = minif(value, name == "jiraauth.signing.seconds_to_next_step") | where Age > ${signingKeyAgeLimit} or ToNextStep < -${signingKeyOverdueLimit} | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'shared-secret-expiring'
    severity: 3
    description: 'A shared secret expires within 14 days (reason shared_secret_expiring): rotate it and update the caller.'
    query: '${logs} | where EventId == 420 | extend Integration = tostring(customDimensions.Integration) | summarize Count = count() by Integration'
    threshold: 0
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: '${name}-${rule.key}'
  location: location
  tags: tags
  properties: {
    displayName: '${name}: ${rule.key}'
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Total'
          metricMeasureColumn: 'Count'
          operator: 'GreaterThan'
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: empty(actionGroupId) ? [] : [
        actionGroupId
      ]
    }
  }
}]
