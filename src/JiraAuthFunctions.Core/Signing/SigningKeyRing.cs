using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Signing;

/// <summary>
/// The app's signing keys as the secret store holds them. Reads every enabled version of the
/// signing-key secret; the published set (next, current, previous) is held in a <see cref="RefreshingCache{TKey, TValue}"/>
/// for the refresh interval (<see cref="CacheDuration"/> unless configured, <c>Signing:Cache</c>) so JWKS requests
/// never turn into store traffic (counted as cache hits and misses when metrics are given). Callers wait for a due
/// read, one at a time. Reports its health as <c>signing-keys</c>.
/// </summary>
public sealed partial class SigningKeyRing : IDependencyHealth
{
    /// <summary>The default <c>Signing:Cache:RefreshInterval</c>.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromMinutes(1);

    private const string Published = "published";

    private readonly ISecretStore _store;
    private readonly IOptions<SigningKeyOptions> _options;
    private readonly ILogger _logger;
    private readonly RefreshingCache<string, IReadOnlyList<SigningKey>> _published;

    public SigningKeyRing(ISecretStore store, IOptions<SigningKeyOptions> options, TimeProvider timeProvider, JiraAuthMetrics? metrics = null, ILogger<SigningKeyRing>? logger = null)
    {
        _store = store;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var cache = options.Value.Cache.ToOptions() with { WaitForRefresh = true, UnavailableHealth = HealthStatus.Degraded };
        _published = new RefreshingCache<string, IReadOnlyList<SigningKey>>("signing-keys", cache, (_, cancellationToken) => ReadPublishedAsync(cancellationToken), timeProvider, _logger, metrics, StringComparer.Ordinal, SecretKinds.SigningKey);
    }

    /// <summary>
    /// Today's intervals: refresh 1 minute, no staleness (a failed read is the caller's failure, as before the
    /// cache), back-off 5 s to 30 s, read timeout 30 s. The early-refetch interval is not used by the ring.
    /// </summary>
    public static CacheSettings DefaultCache => new()
    {
        RefreshInterval = CacheDuration,
        MinRefetchInterval = CacheDuration,
        MaxStaleness = TimeSpan.Zero,
        FailureBackoff = TimeSpan.FromSeconds(5),
        MaxFailureBackoff = TimeSpan.FromSeconds(30),
        FetchTimeout = TimeSpan.FromSeconds(30),
    };

    public SigningKeyOptions Options => _options.Value;

    /// <summary>Every key that is not retired, read from the store now.</summary>
    public async Task<IReadOnlyList<SigningKey>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<SigningKey>();
        foreach (var version in await _store.GetPropertiesOfSecretVersionsAsync(_options.Value.SecretName, cancellationToken).ConfigureAwait(false))
        {
            if (!version.Enabled)
            {
                continue;
            }

            var secret = await _store.GetSecretAsync(version.Name, version.Version, cancellationToken).ConfigureAwait(false);
            if (secret is not null && SigningKey.TryRead(secret) is { State: not SigningKeyState.Retired } key)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>
    /// The keys verifiers must know (next, current, previous), held for the refresh interval.
    /// Throws <see cref="SecretStoreUnavailableException"/> when they cannot be read and nothing usable is held.
    /// </summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken cancellationToken = default)
    {
        var held = await _published.GetAsync(Published, cancellationToken: cancellationToken).ConfigureAwait(false);
        return held.Value ?? throw new SecretStoreUnavailableException($"The signing keys ({_options.Value.SecretName}) could not be read from the secret store; see event {EventIds.SigningKeysReadFailed}.");
    }

    /// <summary>The key that signs now, if any.</summary>
    public async Task<SigningKey?> GetCurrentAsync(CancellationToken cancellationToken = default) =>
        (await GetPublishedAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(k => k.State == SigningKeyState.Current);

    /// <summary>Forget the held set (after a rotation step in this process).</summary>
    public void Invalidate() => _published.Remove(Published);

    /// <summary>Healthy while the store answers; Degraded while reads fail (the store's outage is reported as <c>secretStore</c>).</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => _published.CheckAsync(cancellationToken);

    private async Task<Fetched<IReadOnlyList<SigningKey>>> ReadPublishedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Fetched<IReadOnlyList<SigningKey>>.Found(await LoadAsync(cancellationToken).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // Any store failure (or the read timeout) is the cache's failure to count; the caller gets SecretStoreUnavailableException.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The exception type only: a store's message is not ours to vouch for.
            Log.ReadFailed(_logger, _options.Value.SecretName, ex.GetType().Name);
            return Fetched<IReadOnlyList<SigningKey>>.Failed(ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.SigningKeysReadFailed, LogLevel.Error,
            "Reading the signing keys ({SecretName}) failed ({ErrorType}); the JWKS endpoint and token issuing fail until a read succeeds, unless held keys are within Signing:Cache:MaxStaleness.",
            EventName = "SigningKeysReadFailed")]
        public static partial void ReadFailed(ILogger logger, string secretName, string errorType);
    }
}
