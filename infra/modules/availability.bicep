// The alert on /api/health: an Application Insights standard availability test and a metric alert on it.
// The platform's health check (functionapp-premium.bicep) acts on one instance; this test sees what
// Jira sees, through the front door, and fails while the body says "status":"unhealthy" (a dependency
// the request path needs is down: sink, replay store, revocation list, keys) or the answer is not 200.
@description('Name prefix for the test and the alert.')
param name string

@description('Azure region of the test (Application Insights\' region).')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Resource id of Application Insights the test reports to.')
param appInsightsId string

@description('Host name of the Function App, e.g. app.azurewebsites.net.')
param hostName string

@description('Resource id of an action group to notify. Empty: the alert fires without notifying.')
param actionGroupId string = ''

@description('Seconds between runs from each location.')
@allowed([300, 600, 900])
param frequencySeconds int = 300

@description('Locations that must fail at once before the alert fires (of the five below): one failing location is usually its network.')
@minValue(1)
@maxValue(5)
param failedLocationCount int = 2

var testName = '${name}-health'

resource webTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: testName
  location: location
  // The link that shows the test under its Application Insights resource.
  tags: union(tags, { 'hidden-link:${appInsightsId}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: testName
    Name: '${name} /api/health'
    Description: 'GET /api/health answers 200 and its body does not say "status":"unhealthy".'
    Enabled: true
    Frequency: frequencySeconds
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    // East US, West US, West Europe, North Europe, Southeast Asia.
    Locations: [
      { Id: 'us-va-ash-azr' }
      { Id: 'us-ca-sjc-azr' }
      { Id: 'emea-nl-ams-azr' }
      { Id: 'emea-gb-db3-azr' }
      { Id: 'apac-sg-sin-azr' }
    ]
    Request: {
      RequestUrl: 'https://${hostName}/api/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
      // The endpoint writes compact JSON: "status":"unhealthy" is exactly what an unhealthy report contains.
      ContentValidation: {
        ContentMatch: '"status":"unhealthy"'
        IgnoreCase: false
        PassIfTextFound: false
      }
    }
  }
}

resource alert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${testName}-availability'
  location: 'global'
  tags: tags
  properties: {
    description: '/api/health failed from ${failedLocationCount} or more locations: a dependency the request path needs is unhealthy (see dependencies in the body: sink, replay_store, revocations, jwks:<integration>, install-keys:<integration>) or the app does not answer. See docs/runbook.md.'
    severity: 1
    enabled: true
    scopes: [
      webTest.id
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: webTest.id
      componentId: appInsightsId
      failedLocationCount: failedLocationCount
    }
    actions: empty(actionGroupId) ? [] : [
      { actionGroupId: actionGroupId }
    ]
  }
}

@description('Resource id of the availability test.')
output webTestId string = webTest.id
