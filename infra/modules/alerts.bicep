// Alerts for on-call: log search rules over the app's log records (traces), metrics (customMetrics) and the
// Functions host's invocations (requests) in Application Insights. A rule whose query summarizes by Integration
// or Connection declares it as a dimension: each value is its own alert, with its own threshold, and the
// notification names it. Silence rules (operator LessThan) fire when something that must happen did not.
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

@description('Percent of HTTP requests answered 5xx in 15 minutes, per function and integration, that alerts (with at least serverErrorMinRequests requests).')
@minValue(1)
@maxValue(100)
param serverErrorPercent int = 5

@description('Requests in 15 minutes, per function and integration, below which the 5xx rate is not judged.')
@minValue(1)
param serverErrorMinRequests int = 10

// The timer function of the credentials job (CredentialsServiceCollectionExtensions.TimerFunctionName).
var credentialsTimer = 'CredentialsTimer'

// Seconds, as the signing-key gauges report them.
var signingKeyAgeLimit = (signingKeyLifetimeDays * 24 + signingKeyStallMarginHours) * 3600
var signingKeyOverdueLimit = signingKeyStallMarginHours * 3600

var logs = 'traces | extend EventId = toint(customDimensions.EventId)'

@description('One log search alert rule.')
type alertRule = {
  @description('Suffix of the rule name.')
  key: string
  severity: int
  @description('What it means and what on-call does.')
  description: string
  @description('KQL; its column Count is compared with the threshold.')
  query: string
  threshold: int
  @description('GreaterThan (default) or LessThan: a silence rule fires when too little happened.')
  operator: ('GreaterThan' | 'LessThan')?
  @description('Default PT15M.')
  windowSize: string?
  @description('Columns the query summarizes by: one alert per value.')
  dimensions: string[]?
}

var rules alertRule[] = [
  {
    key: 'jira-reauthorization'
    severity: 1
    description: 'A Jira connection needs a person: its refresh token was refused (reason reauthorization_required). Authorize the app again and store the new refresh token.'
    query: '${logs} | where EventId == 431 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
    dimensions: [
      'Connection'
    ]
  }
  {
    key: 'jira-scope-missing'
    severity: 1
    description: 'A Jira connection stopped: its token grant lacks a scope the connection requires (event 450, reason scope_missing; MissingScopes names them). Add the scopes to the credential in Atlassian (or consent again), or remove them from RequiredScopes; the next run picks it up.'
    query: '${logs} | where EventId == 450 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
    dimensions: [
      'Connection'
    ]
  }
  {
    key: 'jira-credential-refused'
    severity: 1
    description: 'A Jira connection sends nothing: a service account\'s client secret was refused (event 452, credential_refused), its API token or PAT expired (453), or Jira refused it (454). Store a working credential as a new version of the secret the line names.'
    query: '${logs} | where EventId in (452, 453, 454) | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
    dimensions: [
      'Connection'
    ]
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
    dimensions: [
      'Connection'
    ]
  }
  {
    key: 'replay-table-unavailable'
    severity: 1
    description: 'The shared replay table cannot answer (event 600): every per-request token is refused with 503 replay_check_unavailable (Jira retries). Check the storage account table service and the identity role Storage Table Data Contributor.'
    query: '${logs} | where EventId == 600 | summarize Count = count()'
    threshold: 0
  }
  {
    key: 'credentials-job-silent'
    severity: 1
    description: 'Silence: the credentials job (timer ${credentialsTimer}, every 5 minutes) has not completed one successful run in 15 minutes: it fails every run (see alert credentials-job, event 410) or does not run at all (app stopped, host storage or its timer lock broken, no instance). Jira access tokens renew 15 minutes before they expire and signing keys stop rotating. Run infra/queries/credentials-health.kql and look at the function in the portal (Invocations); run it by hand with POST /admin/functions/${credentialsTimer} and the master key.'
    query: 'requests | where name == "${credentialsTimer}" and success == true | summarize Count = count()'
    operator: 'LessThan'
    threshold: 1
  }
  {
    key: 'service-unavailable'
    severity: 1
    description: 'Requests of one integration are refused with 503 (decision event 201, the notification names the integration and the reason): keys_unavailable (Key Vault or the JWKS host, events 301, 211, 215, 216), replay_check_unavailable (the replay table, event 600), sink_unavailable (the event store, event 230), install_key_unavailable (Atlassian install keys, event 243). Jira retries after Retry-After; fix the dependency the reason names (docs/runbook.md reason table), then watch /api/health.'
    query: '${logs} | where EventId == 201 | extend Integration = tostring(customDimensions.Integration), Reason = tostring(customDimensions.Reason), Status = toint(customDimensions.StatusCode) | where Status == 503 | summarize Count = count() by Integration, Reason'
    threshold: 0
    dimensions: [
      'Integration'
      'Reason'
    ]
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
    dimensions: [
      'Integration'
    ]
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
    dimensions: [
      'Connection'
    ]
  }
  {
    key: 'jira-webhook-refresh-failing'
    severity: 2
    description: 'Listing or extending the dynamic webhooks of a Jira connection failed in three runs within 15 minutes (events 441/443, reason webhook_refresh_failed). The webhooks keep up to 10 days; the log line gives the HTTP status.'
    query: '${logs} | where EventId in (441, 443) | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 2
    dimensions: [
      'Connection'
    ]
  }
  {
    key: 'lease-store-unavailable'
    severity: 2
    description: 'A Jira renewal that was due did not happen: the lease store (blob container leases in the storage account) failed (event 435; the line gives the status and error code and whether the access token has expired). Outbound Jira calls stop when the access token expires; signing-key steps fail too (event 410).'
    query: '${logs} | where EventId == 435 | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
    dimensions: [
      'Connection'
    ]
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
    key: 'signing-key-gauges-missing'
    severity: 2
    description: 'Silence: no signing-key gauge (jiraauth.signing.current_key.age_seconds, jiraauth.signing.seconds_to_next_step) in 30 minutes, so signing-key-rotation-stalled cannot fire. No instance exports metrics, or the signing-keys step has not once succeeded since the instances started (the gauges report only after it read the keys). Check alert credentials-job-silent and event 410 (step signing_keys: often a missing Key Vault Secrets Officer role on signing-key), then run the timer by hand.'
    query: 'customMetrics | where name in ("jiraauth.signing.current_key.age_seconds", "jiraauth.signing.seconds_to_next_step") | summarize Count = count()'
    operator: 'LessThan'
    threshold: 1
    windowSize: 'PT30M'
  }
  {
    key: 'server-errors'
    severity: 2
    description: 'More than ${serverErrorPercent} percent of the HTTP requests of one function and integration were answered 5xx in 15 minutes (at least ${serverErrorMinRequests} requests; requests table, the Functions host view: it counts a 500 from a crash, which writes no decision line). A 503 is a refusal with a reason (alert service-unavailable says which); a 500 is a bug or a host failure: query requests | where toint(resultCode) >= 500 and join exceptions on operation_Id.'
    query: 'requests | where isnotempty(url) | extend Path = extract("/api/(?:jira/events|connect)/([^/?]+)", 1, url) | summarize Total = count(), Failed = countif(toint(resultCode) >= 500) by Function = name, Integration = iff(isempty(Path), "(none)", Path) | where Total >= ${serverErrorMinRequests} | extend Count = 100.0 * Failed / Total'
    threshold: serverErrorPercent
    dimensions: [
      'Function'
      'Integration'
    ]
  }
  {
    key: 'key-fetch-failing'
    severity: 2
    description: 'Fetching keys from one host failed three times in 15 minutes (event 211: the JWKS URL of an integration; event 243: Atlassian install keys, the install got 503 install_key_unavailable). The lines name the host, not the integration (alert keys-stale names it once held keys go stale). Held JWKS keys keep verifying until JwksMaxStaleness, then requests get 503 keys_unavailable. Check the host, the outbound network and /api/health (jwks or install-keys of the integration).'
    query: '${logs} | where EventId in (211, 243) | extend Host = coalesce(tostring(customDimensions.JwksHost), tostring(customDimensions.Host)) | summarize Count = count() by Host'
    threshold: 2
    dimensions: [
      'Host'
    ]
  }
  {
    key: 'keys-stale'
    severity: 2
    description: 'The fetched keys of one integration are served stale (event 215: they verify until the time in the line) or have expired (event 216: requests get 503 keys_unavailable). Fix the JWKS host or the outbound network before the time in the line (JwksMaxStaleness); /api/health shows the source degraded or unhealthy.'
    query: '${logs} | where EventId in (215, 216) | extend Cache = tostring(customDimensions.Cache) | summarize Count = count() by Integration = tostring(split(Cache, ":")[1]), Source = tostring(split(Cache, ":")[0])'
    threshold: 0
    dimensions: [
      'Integration'
      'Source'
    ]
  }
  {
    key: 'shared-secret-expiring'
    severity: 3
    description: 'A shared secret expires within 14 days (reason shared_secret_expiring): rotate it and update the caller.'
    query: '${logs} | where EventId == 420 | extend Integration = tostring(customDimensions.Integration) | summarize Count = count() by Integration'
    threshold: 0
    dimensions: [
      'Integration'
    ]
  }
  {
    key: 'jira-credential-expiring'
    severity: 3
    description: 'A Jira connection\'s API token or PAT expires within 14 days (event 451, reason credential_expiring), or its secret has no expiry attribute to warn by (455): create a new token and store it as a new version with its expiry.'
    query: '${logs} | where EventId in (451, 455) | extend Connection = tostring(customDimensions.Connection) | summarize Count = count() by Connection'
    threshold: 0
    dimensions: [
      'Connection'
    ]
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
    windowSize: rule.?windowSize ?? 'PT15M'
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Total'
          metricMeasureColumn: 'Count'
          // One alert per value of each dimension ('*': every value the query returns), so the notification names it.
          dimensions: map(rule.?dimensions ?? [], dimension => {
            name: dimension
            operator: 'Include'
            values: [
              '*'
            ]
          })
          operator: rule.?operator ?? 'GreaterThan'
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
