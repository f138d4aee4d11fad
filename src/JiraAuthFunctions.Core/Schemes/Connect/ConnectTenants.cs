using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>One Jira site that installed a Connect app: its clientKey, site URL and shared secret, and the rest of its install payload.</summary>
public sealed record ConnectTenant(string ClientKey, string BaseUrl, string SharedSecret, ConnectInstallation? Installation = null)
{
    private VerificationKey? _key;
    private VerificationKey[]? _keys;
    private KeyValuePair<string, string>[]? _context;

    // A copy made with 'with' starts without what was built from the original's values, which it may not share.
    private ConnectTenant(ConnectTenant original)
    {
        ClientKey = original.ClientKey;
        BaseUrl = original.BaseUrl;
        SharedSecret = original.SharedSecret;
        Installation = original.Installation;
    }

    /// <summary>The HS256 key of <see cref="SharedSecret"/>, built once per tenant version and reused (its HMAC provider too).</summary>
    public VerificationKey Key => _key ??= new VerificationKey(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SharedSecret)), "HS256");

    /// <summary><see cref="Key"/> as the one-key list a signature check takes, built once rather than per request.</summary>
    internal IReadOnlyList<VerificationKey> Keys => _keys ??= [Key];

    /// <summary>What an accepted request's record says about the tenant (<c>connect.clientKey</c>, <c>connect.baseUrl</c>), built once rather than per request.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> Context => _context ??= [new("connect.clientKey", ClientKey), new("connect.baseUrl", BaseUrl)];

    /// <summary>Never the shared secret.</summary>
    public override string ToString() => $"ConnectTenant {{ ClientKey = {ClientKey}, BaseUrl = {BaseUrl} }}";
}

/// <summary>What a tenant lookup found.</summary>
public readonly record struct TenantLookup(ConnectTenant? Tenant, bool Unavailable = false)
{
    public static readonly TenantLookup NotFound = new(null);
    public static readonly TenantLookup StoreUnavailable = new(null, Unavailable: true);
}

/// <summary>
/// The tenants of one Connect app, one secret per tenant in the secret store (name
/// <see cref="SecretNameFor"/>, value JSON <c>{clientKey, baseUrl, sharedSecret, installation}</c>), held in a
/// <see cref="RefreshingCache{TKey, TValue}"/>. Reports its health as <c>connect-tenants:&lt;integration&gt;</c>.
/// </summary>
/// <remarks>
/// One JSON value rather than the secret alone with tags: the facts change together (a
/// reinstall may move the site), one version holds them atomically, and Key Vault tags are
/// limited to 256 characters while a clientKey is any string. <c>installation</c> (the rest of
/// the install payload) is absent in values stored before it was kept; both forms are read. A held tenant is re-read after
/// the refresh interval (<see cref="RefreshInterval"/> unless configured, <c>Inbound:ConnectTenantCache</c>), the caller
/// waiting for the read, so an uninstall on another instance takes effect here within it; if the re-read fails the held
/// tenant keeps serving for the maximum staleness. A clientKey that is not held costs a store read at most once per
/// minimum refetch interval (<see cref="MissInterval"/>) across all unknown keys together, so a flood of made-up
/// <c>iss</c> values cannot become store traffic; concurrent requests for one clientKey share one read.
/// </remarks>
public sealed partial class ConnectTenants : IDependencyHealth
{
    /// <summary>The default <c>Inbound:ConnectTenantCache:RefreshInterval</c>.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default <c>Inbound:ConnectTenantCache:MinRefetchInterval</c>: unknown clientKeys read at most once per this (and the failure back-off).</summary>
    public static readonly TimeSpan MissInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default <c>Inbound:ConnectTenantCache:MaxStaleness</c>.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromHours(1);

    private readonly ISecretStore _store;
    private readonly string _app;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RefreshingCache<string, ConnectTenant> _tenants;

    /// <param name="cache">The cache's intervals (<c>Inbound:ConnectTenantCache</c>); null: <see cref="DefaultCache"/>.</param>
    public ConnectTenants(ISecretStore store, string app, TimeProvider timeProvider, ILogger logger, CacheSettings? cache = null, JiraAuthMetrics? metrics = null)
    {
        _store = store;
        _app = app;
        _timeProvider = timeProvider;
        _logger = logger;
        var options = (cache ?? DefaultCache).ToOptions() with
        {
            WaitForRefresh = true,
            MaxEntries = int.MaxValue, // every installed tenant is held; unknown clientKeys leave nothing behind
            MaxColdFetchesPerInterval = 1,
            UnavailableHealth = HealthStatus.Degraded,
        };
        _tenants = new RefreshingCache<string, ConnectTenant>($"connect-tenants:{app}", options, ReadAsync, timeProvider, logger, metrics, StringComparer.Ordinal);
    }

    /// <summary>Today's intervals: refresh 5 minutes, unknown clientKeys and back-off 30 s, staleness 1 hour, read timeout 30 s.</summary>
    public static CacheSettings DefaultCache => new()
    {
        RefreshInterval = RefreshInterval,
        MinRefetchInterval = MissInterval,
        MaxStaleness = MaxStaleness,
        FailureBackoff = MissInterval,
        MaxFailureBackoff = MissInterval,
        FetchTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// <c>connect-{app}-{first 32 hex of sha256(clientKey)}</c>: a clientKey may be any string, a
    /// secret name only [0-9a-zA-Z-]; 128 bits of the hash make a collision out of reach (and the
    /// stored clientKey is compared on every read anyway).
    /// </summary>
    public static string SecretNameFor(string app, string clientKey) =>
        $"connect-{app}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientKey)))[..32]}";

    /// <summary>The installed tenant with this clientKey, from memory when held.</summary>
    public ValueTask<TenantLookup> FindAsync(string clientKey, CancellationToken cancellationToken = default)
    {
        // A held tenant answers at once: then no async machinery runs on a request's path.
        var pending = _tenants.GetAsync(clientKey, cancellationToken: cancellationToken);
        return pending.IsCompletedSuccessfully ? new(LookupOf(pending.Result)) : AwaitLookupAsync(pending);
    }

    private async ValueTask<TenantLookup> AwaitLookupAsync(ValueTask<CacheResult<ConnectTenant>> pending) =>
        LookupOf(await pending.ConfigureAwait(false));

    private TenantLookup LookupOf(CacheResult<ConnectTenant> held)
    {
        switch (held.Status)
        {
            case CacheStatus.Fresh or CacheStatus.Stale:
                return new TenantLookup(held.Value);
            case CacheStatus.Missing:
                return TenantLookup.NotFound;
            case CacheStatus.Throttled:
                Log.LookupThrottled(_logger, _app, _tenants.MinRefetchInterval);
                return TenantLookup.NotFound;
            default:
                return TenantLookup.StoreUnavailable;
        }
    }

    /// <summary>Stores a new version for the tenant (install or reinstall) and holds it at once.</summary>
    public async Task SaveAsync(ConnectTenant tenant, CancellationToken cancellationToken = default)
    {
        var installation = tenant.Installation is null ? null : new Dictionary<string, string>(tenant.Installation.Members, StringComparer.Ordinal);
        var value = JsonSerializer.Serialize(new StoredTenant(tenant.ClientKey, tenant.BaseUrl, tenant.SharedSecret, installation), ConnectJsonContext.Default.StoredTenant);
        await _store.SetSecretAsync(SecretNameFor(_app, tenant.ClientKey), value, new SecretAttributes { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        _tenants.Set(tenant.ClientKey, tenant);
    }

    /// <summary>Disables every enabled version of the tenant's secret (uninstall), so its tokens stop verifying.</summary>
    public async Task DisableAsync(string clientKey, CancellationToken cancellationToken = default)
    {
        var name = SecretNameFor(_app, clientKey);
        foreach (var version in await _store.GetPropertiesOfSecretVersionsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            if (version.Enabled)
            {
                await _store.UpdateSecretPropertiesAsync(version with { Enabled = false }, cancellationToken).ConfigureAwait(false);
            }
        }

        _tenants.Remove(clientKey);
    }

    /// <summary>Healthy while the store answers; Degraded while reads fail, with until when held tenants serve or <c>keys_unavailable</c>.</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => _tenants.CheckAsync(cancellationToken);

    private async Task<Fetched<ConnectTenant>> ReadAsync(string clientKey, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var name = SecretNameFor(_app, clientKey);
        try
        {
            var versions = await _store.GetPropertiesOfSecretVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var current = versions.Where(v => v.IsUsableAt(now)).OrderByDescending(v => v.CreatedOn).FirstOrDefault();
            var secret = current is null ? null : await _store.GetSecretAsync(name, current.Version, cancellationToken).ConfigureAwait(false);
            var tenant = secret is null ? null : Parse(secret.Value);
            return tenant is null || tenant.ClientKey != clientKey ? Fetched<ConnectTenant>.Missing : Fetched<ConnectTenant>.Found(tenant);
        }
#pragma warning disable CA1031 // Any store failure (or the read timeout) leaves a held tenant serving; the cache counts it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The exception type only: a store's message is not ours to vouch for.
            Log.TenantReadFailed(_logger, _app, name, ex.GetType().Name);
            return Fetched<ConnectTenant>.Failed(ex.GetType().Name);
        }
    }

    private static ConnectTenant? Parse(string value)
    {
        try
        {
            var stored = JsonSerializer.Deserialize(value, ConnectJsonContext.Default.StoredTenant);
            return stored is { ClientKey.Length: > 0, BaseUrl.Length: > 0, SharedSecret.Length: > 0 }
                ? new ConnectTenant(stored.ClientKey, stored.BaseUrl, stored.SharedSecret, stored.Installation is null ? null : new ConnectInstallation(stored.Installation))
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectTenantReadFailed, LogLevel.Error,
            "Reading Connect tenant secret {SecretName} of {Integration} failed ({ErrorType}); a tenant already held keeps serving.",
            EventName = "ConnectTenantReadFailed")]
        public static partial void TenantReadFailed(ILogger logger, string integration, string secretName, string errorType);

        [LoggerMessage(EventIds.ConnectTenantLookupThrottled, LogLevel.Debug,
            "Unknown Connect tenant for {Integration} not looked up: the store was read for an unknown clientKey less than {Interval} ago.",
            EventName = "ConnectTenantLookupThrottled")]
        public static partial void LookupThrottled(ILogger logger, string integration, TimeSpan interval);
    }
}

/// <summary>The stored form of a tenant (the secret's value); <c>installation</c> is absent in values stored before it was kept.</summary>
internal sealed record StoredTenant(
    [property: JsonPropertyName("clientKey")] string ClientKey,
    [property: JsonPropertyName("baseUrl")] string BaseUrl,
    [property: JsonPropertyName("sharedSecret")] string SharedSecret,
    [property: JsonPropertyName("installation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Installation = null);

[JsonSerializable(typeof(StoredTenant))]
internal sealed partial class ConnectJsonContext : JsonSerializerContext;
