using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Schemes;

/// <summary>Settings for receiving Jira events, bound to section <c>Inbound</c> and validated at start.</summary>
public sealed class InboundOptions
{
    public const string SectionName = "Inbound";

    /// <summary>How far exp, nbf and iat may be off. Default 60 s (IdentityModel's own default is 5 minutes; too loose here).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A longer token is rejected before it is parsed. Default 8 KB.</summary>
    public int MaxTokenBytes { get; set; } = 8 * 1024;

    /// <summary>A larger body is answered 413. Default 1 MiB; Jira issue payloads with many fields reach a few hundred KB.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The integrations by name; the name is the last segment of <c>/api/jira/events/{integration}</c>.</summary>
    public Dictionary<string, IntegrationOptions> Integrations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How every key source that fetches (JWKS, Forge, Connect install keys) backs off while its host fails.</summary>
    public KeyFetchOptions KeyFetch { get; set; } = new();

    /// <summary>How shared secrets (and OAuth apps' client secrets) are held in memory (docs/caching.md). Default <see cref="SharedSecretKeySource.DefaultCache"/>.</summary>
    public Caching.CacheSettings SharedSecretCache { get; set; } = SharedSecretKeySource.DefaultCache;

    /// <summary>How Connect tenants are held in memory (docs/caching.md). Default <see cref="Connect.ConnectTenants.DefaultCache"/>.</summary>
    public Caching.CacheSettings ConnectTenantCache { get; set; } = Connect.ConnectTenants.DefaultCache;

    /// <summary>
    /// Where accepted <c>jti</c>s are remembered. <see cref="ReplayStoreKind.Memory"/>, the default, is right
    /// for one instance; <see cref="ReplayStoreKind.Table"/> (an Azure Storage table shared by every instance)
    /// for a scaled-out app, where a token replayed to another instance must be caught too.
    /// </summary>
    public ReplayStoreKind ReplayStore { get; set; } = ReplayStoreKind.Memory;

    /// <summary>The table of <see cref="ReplayStoreKind.Table"/>, shared with the revocation store and the delivery log; the deployment creates it (the app does not).</summary>
    public string ReplayTableName { get; set; } = DefaultReplayTableName;

    /// <summary>
    /// Where revoked tokens are kept. <see cref="RevocationStoreKind.File"/>, the default, is <c>revocations.json</c>
    /// in the data folder; <see cref="RevocationStoreKind.Table"/> is the replay table, read by every instance
    /// every <see cref="RevocationPollInterval"/>: what a deployed, scaled-out app uses.
    /// </summary>
    public RevocationStoreKind RevocationStore { get; set; } = RevocationStoreKind.File;

    /// <summary>How often each instance reads the revocation table (<see cref="RevocationStoreKind.Table"/> only); a revocation takes effect within it. Default 30 s, at most a minute.</summary>
    public TimeSpan RevocationPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="ReplayTableName"/>.</summary>
    public const string DefaultReplayTableName = "replay";

    /// <summary>The longest <see cref="RevocationPollInterval"/>: a revocation must reach every instance within it.</summary>
    public static readonly TimeSpan MaxRevocationPollInterval = TimeSpan.FromMinutes(1);

    /// <summary>The shortest <see cref="RevocationPollInterval"/>.</summary>
    public static readonly TimeSpan MinRevocationPollInterval = TimeSpan.FromSeconds(1);
}

/// <summary>Where accepted <c>jti</c>s are remembered (<c>Inbound:ReplayStore</c>).</summary>
public enum ReplayStoreKind
{
    /// <summary>In this process: one instance.</summary>
    Memory,

    /// <summary>An Azure Storage table every instance shares (<c>Inbound:ReplayTableName</c>).</summary>
    Table,
}

/// <summary>Where revoked tokens are kept (<c>Inbound:RevocationStore</c>).</summary>
public enum RevocationStoreKind
{
    /// <summary><c>revocations.json</c> in the data folder.</summary>
    File,

    /// <summary>The replay table, polled by every instance.</summary>
    Table,
}

/// <summary>Settings shared by the key sources that fetch over HTTP, section <c>Inbound:KeyFetch</c>.</summary>
public sealed class KeyFetchOptions
{
    /// <summary>After a failed fetch the host is not asked again for this long; each further failure doubles it. Default 5 s.</summary>
    public TimeSpan FailureBackoff { get; set; } = Caching.RefreshingCacheOptions.DefaultFailureBackoff;

    /// <summary>The longest wait between two fetches while the host keeps failing. Default 5 minutes.</summary>
    public TimeSpan MaxFailureBackoff { get; set; } = Caching.RefreshingCacheOptions.DefaultMaxFailureBackoff;
}

/// <summary>One caller (a Jira automation rule, a webhook, an app) and how its tokens are checked.</summary>
public sealed class IntegrationOptions
{
    /// <summary>How signatures are verified. This field is required.</summary>
    public VerificationMethod? Verification { get; set; }

    /// <summary>Accepted <c>iss</c> values. At least one is required, except for <see cref="VerificationMethod.OAuthApp"/> (checked when given).</summary>
    public List<string> Issuers { get; set; } = [];

    /// <summary>The <c>aud</c> a token must carry. Required, except for <see cref="VerificationMethod.OAuthApp"/> (checked when given).</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The allow-list of <c>alg</c> values, e.g. HS256 or ES256. <c>none</c> is never allowed. At least one
    /// is required; exactly one for <see cref="VerificationMethod.SharedSecret"/>, whose secret verifies that one only.
    /// </summary>
    public List<string> Algorithms { get; set; } = [];

    /// <summary>Scopes (<c>scope</c> or <c>scp</c>) every token must include. Empty means none are required.</summary>
    public List<string> RequiredScopes { get; set; } = [];

    /// <summary>The longest allowed <c>exp - iat</c>. Default 1 hour; a <see cref="ReplayProtection.LongLivedToken"/> integration sets its own.</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether a <c>jti</c> is accepted once (<see cref="ReplayProtection.PerRequest"/>, the default) or a pasted token is reused.</summary>
    public ReplayProtection Replay { get; set; } = ReplayProtection.PerRequest;

    /// <summary>For <see cref="VerificationMethod.SharedSecret"/> and <see cref="VerificationMethod.WebhookSecret"/>: the secret's name in the secret store. Default <c>inbound-{integration}</c>.</summary>
    public string? SharedSecretName { get; set; }

    /// <summary>
    /// For <see cref="VerificationMethod.OAuthApp"/>: the Jira connection (<c>Jira:Connections:{name}</c>) whose
    /// OAuth app registered the webhooks; its client secret (<c>jira-{name}-client-secret</c>) is the HMAC key.
    /// </summary>
    public string? JiraConnection { get; set; }

    /// <summary>For <see cref="VerificationMethod.PublicKeys"/>: the keys, each as PEM or JWK.</summary>
    public List<PublicKeyOptions> PublicKeys { get; set; } = [];

    /// <summary>
    /// For <see cref="VerificationMethod.Forge"/>: the app's id as Forge puts it in <c>aud</c> and
    /// <c>app.id</c>, <c>ari:cloud:ecosystem::app/&lt;uuid&gt;</c> (the manifest's <c>app.id</c>).
    /// </summary>
    public string? AppId { get; set; }

    /// <summary>For <see cref="VerificationMethod.Jwks"/>: the JWKS document's https URL. For <see cref="VerificationMethod.Forge"/>: optional, Forge's production JWKS by default.</summary>
    public Uri? JwksUri { get; set; }

    /// <summary>
    /// For <see cref="VerificationMethod.Jwks"/>: the algorithm (RS256 ... PS512) of the set's RSA keys
    /// that carry no <c>alg</c>. Unset (the default), such keys are skipped: a key verifies one algorithm
    /// only, and RS256 and PS256 fit the same RSA key. Keys that state an <c>alg</c> keep theirs; EC
    /// keys take their curve's. Forge fixes it to RS256.
    /// </summary>
    public string? JwksRsaAlgorithm { get; set; }

    /// <summary>For <see cref="VerificationMethod.Jwks"/>: how often the JWKS is refreshed in the background. Default 1 hour.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>For <see cref="VerificationMethod.Jwks"/>: an unknown <c>kid</c> triggers at most one fetch per this interval. Default 30 s.</summary>
    public TimeSpan JwksMinRefetchInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For <see cref="VerificationMethod.Jwks"/> and <see cref="VerificationMethod.Forge"/>: how long past
    /// <see cref="JwksRefreshInterval"/> held keys keep verifying while the JWKS host fails. After it, requests get
    /// 503 (keys_unavailable): a key the issuer removed during the outage must not verify for ever. Default 6 hours.
    /// </summary>
    public TimeSpan JwksMaxStaleness { get; set; } = JwksKeySource.DefaultMaxStaleness;

    /// <summary>
    /// For <see cref="VerificationMethod.Connect"/>: the app descriptor's <c>baseUrl</c>, e.g.
    /// <c>https://&lt;app&gt;.azurewebsites.net/api/connect/{integration}</c>. Signed installs must name it in <c>aud</c>.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>For <see cref="VerificationMethod.Connect"/>: where install keys are fetched (<c>GET {InstallKeysBaseUrl}/{kid}</c>). Default Atlassian's production service.</summary>
    public Uri InstallKeysBaseUrl { get; set; } = new(DefaultInstallKeysBaseUrl);

    /// <summary>
    /// For <see cref="VerificationMethod.Connect"/>: paths relative to <see cref="BaseUrl"/> (e.g. <c>/events/panel</c>)
    /// that accept context tokens (<c>qsh</c> = <c>context-qsh</c>, sent from the browser); every other route needs the request's own hash.
    /// </summary>
    public List<string> ContextQshRoutes { get; set; } = [];

    /// <summary>
    /// For <see cref="VerificationMethod.ClientCredentials"/>: the scopes a client may ask the token endpoint for
    /// (<c>POST /api/oauth/token</c>); a request for any other is refused (invalid_scope). Default: <see cref="RequiredScopes"/>.
    /// </summary>
    public List<string> AllowedScopes { get; set; } = [];

    /// <summary>For <see cref="VerificationMethod.ClientCredentials"/>: how long an access token from the token endpoint lives. Default 5 minutes (1 minute to 1 hour).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Atlassian's install-keys service for production Connect apps.</summary>
    public const string DefaultInstallKeysBaseUrl = "https://connect-install-keys.atlassian.com/";
}

/// <summary>A public key given in configuration.</summary>
public sealed class PublicKeyOptions
{
    /// <summary>The <c>kid</c> tokens name this key by. Required unless the JWK carries one.</summary>
    public string? Kid { get; set; }

    /// <summary>A PEM public key (<c>-----BEGIN PUBLIC KEY-----</c>). Give this or <see cref="Jwk"/>.</summary>
    public string? Pem { get; set; }

    /// <summary>A JWK as JSON (public members only). Give this or <see cref="Pem"/>.</summary>
    public string? Jwk { get; set; }

    /// <summary>
    /// The one algorithm this key verifies (RFC 8725 3.1), e.g. RS256 or PS256. Required for an RSA key
    /// unless its JWK states <c>alg</c> (then it must agree); for an EC key optional, as the curve fixes it
    /// (P-256 is ES256). Must be one of the integration's <c>Algorithms</c>.
    /// </summary>
    public string? Algorithm { get; set; }
}

public enum VerificationMethod
{
    /// <summary>HS256/384/512 with a secret from the secret store.</summary>
    SharedSecret,

    /// <summary>RS/PS/ES with public keys given in configuration.</summary>
    PublicKeys,

    /// <summary>RS/PS/ES with public keys fetched from a JWKS URL.</summary>
    Jwks,

    /// <summary>
    /// An Atlassian Connect app: tenants install it by a signed lifecycle call (RS256, Atlassian's
    /// install keys), then sign requests with HS256 and their own shared secret, bound to the request by <c>qsh</c>.
    /// </summary>
    Connect,

    /// <summary>
    /// Jira's dynamic webhooks registered by an OAuth 2.0 (3LO) app: HS256 signed with the app's client
    /// secret (<see cref="IntegrationOptions.JiraConnection"/>). Atlassian documents only that; <c>iss</c>,
    /// <c>aud</c> and <c>jti</c> are checked when configured or present, <c>exp</c> is always required.
    /// </summary>
    OAuthApp,

    /// <summary>
    /// Forge invocation tokens (Forge Remote): RS256 from Forge's JWKS, issuer
    /// <c>forge/invocation-token</c>, audience the app's <see cref="IntegrationOptions.AppId"/>.
    /// </summary>
    Forge,

    /// <summary>
    /// Jira admin webhooks configured with a secret: <c>X-Hub-Signature: sha256=&lt;hex&gt;</c>, an
    /// HMAC-SHA256 of the raw body with the secret from the secret store. No token, no timestamp.
    /// </summary>
    WebhookSecret,

    /// <summary>
    /// Access tokens from this app's own token endpoint (<c>POST /api/oauth/token</c>, RFC 6749 client
    /// credentials): ES256 with the app's signing keys, issuer and audience fixed by the app
    /// (<see cref="OAuth.ClientCredentialsToken"/>). For callers that cannot sign, such as a Jira automation rule.
    /// </summary>
    ClientCredentials,
}

public enum ReplayProtection
{
    /// <summary>Each <c>jti</c> is accepted once until its <c>exp</c>: for callers that sign every request.</summary>
    PerRequest,

    /// <summary>
    /// The same token is accepted on every request (a token pasted into a Jira automation rule).
    /// It must carry a <c>jti</c> so it can be revoked, and is bounded by <see cref="IntegrationOptions.MaxTokenLifetime"/>.
    /// </summary>
    LongLivedToken,
}
