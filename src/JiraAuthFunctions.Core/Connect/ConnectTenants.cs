using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Connect;

/// <summary>One Jira site that installed a Connect app: its clientKey, site URL and shared secret, and the rest of its install payload.</summary>
public sealed record ConnectTenant(string ClientKey, string BaseUrl, string SharedSecret, ConnectInstallation? Installation = null)
{
    private VerificationKey? _key;

    /// <summary>The HS256 key of <see cref="SharedSecret"/>, built once per tenant version and reused (its HMAC provider too).</summary>
    public VerificationKey Key => _key ??= new VerificationKey(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SharedSecret)), "HS256");

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
/// <see cref="SecretNameFor"/>, value JSON <c>{clientKey, baseUrl, sharedSecret, installation}</c>), held in memory.
/// </summary>
/// <remarks>
/// One JSON value rather than the secret alone with tags: the facts change together (a
/// reinstall may move the site), one version holds them atomically, and Key Vault tags are
/// limited to 256 characters while a clientKey is any string. <c>installation</c> (the rest of
/// the install payload) is absent in values stored before it was kept; both forms are read. A held tenant is re-read after
/// <see cref="RefreshInterval"/>, so an uninstall on another instance takes effect here within it;
/// if the re-read fails the held tenant keeps serving for <see cref="MaxStaleness"/>. A clientKey
/// that is not held costs a store read at most once per <see cref="MissInterval"/> across all
/// unknown keys together, so a flood of made-up <c>iss</c> values cannot become store traffic.
/// </remarks>
public sealed partial class ConnectTenants
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MissInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromHours(1);

    private readonly ISecretStore _store;
    private readonly string _app;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private DateTimeOffset _lastMissRead = DateTimeOffset.MinValue;

    public ConnectTenants(ISecretStore store, string app, TimeProvider timeProvider, ILogger logger)
    {
        _store = store;
        _app = app;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// <c>connect-{app}-{first 32 hex of sha256(clientKey)}</c>: a clientKey may be any string, a
    /// secret name only [0-9a-zA-Z-]; 128 bits of the hash make a collision out of reach (and the
    /// stored clientKey is compared on every read anyway).
    /// </summary>
    public static string SecretNameFor(string app, string clientKey) =>
        $"connect-{app}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientKey)))[..32]}";

    /// <summary>The installed tenant with this clientKey, from memory when held.</summary>
    public async ValueTask<TenantLookup> FindAsync(string clientKey, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        if (_held.TryGetValue(clientKey, out var held) && now - held.LoadedAt < RefreshInterval)
        {
            return new TenantLookup(held.Tenant);
        }

        if (held is null)
        {
            lock (_held)
            {
                if (now - _lastMissRead < MissInterval)
                {
                    Log.LookupThrottled(_logger, _app);
                    return TenantLookup.NotFound;
                }

                _lastMissRead = now;
            }
        }

        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have read it while this one waited.
            if (_held.TryGetValue(clientKey, out var again) && !ReferenceEquals(again, held) && now - again.LoadedAt < RefreshInterval)
            {
                return new TenantLookup(again.Tenant);
            }

            return await ReadAsync(clientKey, held, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _readLock.Release();
        }
    }

    /// <summary>Stores a new version for the tenant (install or reinstall) and holds it at once.</summary>
    public async Task SaveAsync(ConnectTenant tenant, CancellationToken cancellationToken = default)
    {
        var installation = tenant.Installation is null ? null : new Dictionary<string, string>(tenant.Installation.Members, StringComparer.Ordinal);
        var value = JsonSerializer.Serialize(new StoredTenant(tenant.ClientKey, tenant.BaseUrl, tenant.SharedSecret, installation), ConnectJsonContext.Default.StoredTenant);
        await _store.SetSecretAsync(SecretNameFor(_app, tenant.ClientKey), value, new SecretAttributes { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        _held[tenant.ClientKey] = new Held(tenant, _timeProvider.GetUtcNow());
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

        _held.TryRemove(clientKey, out _);
    }

    private async Task<TenantLookup> ReadAsync(string clientKey, Held? held, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var name = SecretNameFor(_app, clientKey);
        try
        {
            var versions = await _store.GetPropertiesOfSecretVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var current = versions.Where(v => v.IsUsableAt(now)).OrderByDescending(v => v.CreatedOn).FirstOrDefault();
            var secret = current is null ? null : await _store.GetSecretAsync(name, current.Version, cancellationToken).ConfigureAwait(false);
            var tenant = secret is null ? null : Parse(secret.Value);
            if (tenant is null || tenant.ClientKey != clientKey)
            {
                _held.TryRemove(clientKey, out _);
                return TenantLookup.NotFound;
            }

            _held[clientKey] = new Held(tenant, now, now);
            return new TenantLookup(tenant);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception type only: a store's message is not ours to vouch for.
            Log.TenantReadFailed(_logger, _app, name, ex.GetType().Name);
            if (held is not null && now - held.SucceededAt < RefreshInterval + MaxStaleness)
            {
                // Keep serving; try the store again after MissInterval.
                _held[clientKey] = held with { LoadedAt = now - RefreshInterval + MissInterval };
                return new TenantLookup(held.Tenant);
            }

            return TenantLookup.StoreUnavailable;
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

    /// <param name="LoadedAt">When the store was last tried for this tenant.</param>
    /// <param name="SucceededAt">When it was last read (or written) successfully.</param>
    private sealed record Held(ConnectTenant Tenant, DateTimeOffset LoadedAt, DateTimeOffset SucceededAt)
    {
        public Held(ConnectTenant tenant, DateTimeOffset at) : this(tenant, at, at)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectTenantReadFailed, LogLevel.Error,
            "Reading Connect tenant secret {SecretName} of {Integration} failed ({ErrorType}); a tenant already held keeps serving.",
            EventName = "ConnectTenantReadFailed")]
        public static partial void TenantReadFailed(ILogger logger, string integration, string secretName, string errorType);

        [LoggerMessage(EventIds.ConnectTenantLookupThrottled, LogLevel.Debug,
            "Unknown Connect tenant for {Integration} not looked up: the store was read for an unknown clientKey less than 30 s ago.",
            EventName = "ConnectTenantLookupThrottled")]
        public static partial void LookupThrottled(ILogger logger, string integration);
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
