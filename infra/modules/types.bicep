// The shapes of what the app is configured with, as deployable parameters: main.bicep renders them
// into the app settings the app binds at start (Inbound:Integrations:<name>, Jira:Connections:<name>),
// so a redeploy carries them instead of deleting them. No secret belongs here: shared secrets, client
// secrets and tokens live in Key Vault (docs/configuration-guide.md).

// ============ //
// Definitions  //
// ============ //

@export()
@sealed()
@description('One integration (Inbound:Integrations:<name>): a caller and how its requests are checked. Keys and meaning as in the integration table of docs/configuration-guide.md; the app validates them at start.')
type integrationType = {
  @description('Required. How signatures are verified.')
  Verification: 'SharedSecret' | 'PublicKeys' | 'Jwks' | 'Connect' | 'OAuthApp' | 'Forge' | 'WebhookSecret'

  @description('Optional. Accepted iss values (bearer methods).')
  Issuers: string[]?

  @description('Optional. The aud a token must carry (bearer methods).')
  Audience: string?

  @description('Optional. Allow-list of alg values, e.g. HS256 or ES256.')
  Algorithms: string[]?

  @description('Optional. Scopes every token must carry.')
  RequiredScopes: string[]?

  @description('Optional. Cap on exp - iat, [d.]hh:mm:ss (default 01:00:00).')
  MaxTokenLifetime: string?

  @description('Optional. PerRequest (default) or LongLivedToken (a token pasted into a Jira rule).')
  Replay: ('PerRequest' | 'LongLivedToken')?

  @description('Optional. The secret\'s name in Key Vault (SharedSecret, WebhookSecret; default inbound-<name>).')
  SharedSecretName: string?

  @description('Optional. For OAuthApp: the Jira connection whose client secret signs the webhooks.')
  JiraConnection: string?

  @description('Optional. For PublicKeys: the public keys, each as PEM or JWK.')
  PublicKeys: publicKeyType[]?

  @description('Optional. For Forge: the app id, ari:cloud:ecosystem::app/<uuid>.')
  AppId: string?

  @description('Optional. For Jwks (and Forge, optional): the JWKS https URL.')
  JwksUri: string?

  @description('Optional. JWKS background refresh, [d.]hh:mm:ss (default 01:00:00).')
  JwksRefreshInterval: string?

  @description('Optional. At most one JWKS fetch per this interval for an unknown kid (default 00:00:30).')
  JwksMinRefetchInterval: string?

  @description('Optional. For Connect: the app descriptor\'s baseUrl.')
  BaseUrl: string?

  @description('Optional. For Connect: the install-keys service (default Atlassian\'s production service).')
  InstallKeysBaseUrl: string?

  @description('Optional. For Connect: routes (relative to BaseUrl) that accept context tokens.')
  ContextQshRoutes: string[]?
}

@export()
@sealed()
@description('A public key of a PublicKeys integration.')
type publicKeyType = {
  @description('Optional. The kid tokens name this key by (required unless the JWK carries one).')
  Kid: string?

  @description('Optional. A PEM public key; give this or Jwk.')
  Pem: string?

  @description('Optional. A JWK as JSON (public members only); give this or Pem.')
  Jwk: string?
}

@export()
@sealed()
@description('One outbound Jira connection (Jira:Connections:<name>), authenticated as Auth says; its secrets are in Key Vault, never here (docs/outbound-connections.md): jira-<name>-client-secret (OAuth3LO, ServiceAccount, DataCenterServiceAccount), jira-<name>-refresh-token (OAuth3LO), jira-<name>-api-token (ApiToken), jira-<name>-pat (DataCenterPat).')
type jiraConnectionType = {
  @description('Optional. How the connection authenticates (default OAuth3LO).')
  Auth: ('OAuth3LO' | 'ServiceAccount' | 'ApiToken' | 'DataCenterPat' | 'DataCenterServiceAccount')?

  @description('Optional. The OAuth app\'s or service account credential\'s client id (not a secret); required for OAuth3LO, ServiceAccount and DataCenterServiceAccount.')
  ClientId: string?

  @description('Optional. Data Center kinds: the instance\'s base URL (required); ApiToken: the site URL for an unscoped token.')
  BaseUrl: string?

  @description('Optional. ApiToken: the e-mail of the account the token belongs to (required).')
  Email: string?

  @description('Optional. Scopes the connection\'s work needs; a grant lacking one stops the connection (scope_missing).')
  RequiredScopes: string[]?

  @description('Optional. The token endpoint (default Atlassian\'s).')
  TokenEndpoint: string?

  @description('Optional. Renew when the access token has less than this left (default 00:15:00).')
  RenewBefore: string?

  @description('Optional. Time one run may spend on this connection (default 00:00:40).')
  RunBudget: string?

  @description('Optional. The Jira site\'s cloud id (REST API at api.atlassian.com/ex/jira/<cloudId>).')
  CloudId: string?

  @description('Optional. The REST API base instead of the one from CloudId.')
  ApiBaseUrl: string?

  @description('Optional. Keep this app\'s dynamic webhooks alive (default false).')
  RefreshWebhooks: bool?

  @description('Optional. Extend a webhook when it has less than this left (default 10.00:00:00).')
  WebhookRefreshBefore: string?
}

@export()
@description('App settings, name and value, for the Function App\'s siteConfig.appSettings.')
type appSettingType = {
  @description('Required. The setting\'s name (configuration key with __ for :).')
  name: string

  @description('Required. The setting\'s value.')
  value: string
}

// ========== //
// Functions  //
// ========== //

@export()
@description('Settings for entries keyed by name under prefix: prefix__<name>__<key> for each scalar key present, prefix__<name>__<key>__<i> for list keys, prefix__<name>__<key>__<i>__<member> for lists of objects.')
func renderSettings(prefix string, entries object, scalarKeys string[], listKeys string[], objectListKeys object) appSettingType[] =>
  flatten(map(items(entries), entry => concat(
    map(filter(scalarKeys, key => contains(entry.value, key)), key => { name: '${prefix}__${entry.key}__${key}', value: string(entry.value[key]) }),
    flatten(map(filter(listKeys, key => contains(entry.value, key)), key => map(range(0, length(entry.value[key])), i => { name: '${prefix}__${entry.key}__${key}__${i}', value: string(entry.value[key][i]) }))),
    flatten(map(filter(items(objectListKeys), list => contains(entry.value, list.key)), list => flatten(map(range(0, length(entry.value[list.key])), i => map(filter(list.value, member => contains(entry.value[list.key][i], member)), member => { name: '${prefix}__${entry.key}__${list.key}__${i}__${member}', value: string(entry.value[list.key][i][member]) })))))
  )))

@export()
@description('The app settings of integrations (Inbound__Integrations__<name>__<Key>).')
func integrationSettings(integrations object) appSettingType[] =>
  renderSettings('Inbound__Integrations', integrations, ['Verification', 'Audience', 'MaxTokenLifetime', 'Replay', 'SharedSecretName', 'JiraConnection', 'AppId', 'JwksUri', 'JwksRefreshInterval', 'JwksMinRefetchInterval', 'BaseUrl', 'InstallKeysBaseUrl'], ['Issuers', 'Algorithms', 'RequiredScopes', 'ContextQshRoutes'], { PublicKeys: ['Kid', 'Pem', 'Jwk'] })

@export()
@description('The app settings of Jira connections (Jira__Connections__<name>__<Key>).')
func jiraConnectionSettings(connections object) appSettingType[] =>
  renderSettings('Jira__Connections', connections, ['Auth', 'ClientId', 'BaseUrl', 'Email', 'TokenEndpoint', 'RenewBefore', 'RunBudget', 'CloudId', 'ApiBaseUrl', 'RefreshWebhooks', 'WebhookRefreshBefore'], ['RequiredScopes'], {})
