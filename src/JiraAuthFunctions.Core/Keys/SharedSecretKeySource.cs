using System.Text;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// The HMAC keys of one integration, read from the secret store: the current version and, during a
/// rotation, the previous one, so both verify. Each key's <c>kid</c> is the secret's version id.
/// Held in a <see cref="RefreshingCache{TKey, TValue}"/> and re-read once older than the refresh interval
/// (<see cref="RefreshInterval"/> unless configured, <c>Inbound:SharedSecretCache</c>), so request load never
/// becomes secret-store traffic; a token naming an unknown version triggers an early read, at most once per
/// minimum refetch interval. Callers wait for a due read (a disabled version stops verifying at the first read
/// after it), one read in flight at most. If a read fails, the keys already held keep serving for the maximum
/// staleness, then requests get 503. Reports its health as <c>shared-secret:&lt;integration&gt;</c>.
/// </summary>
public sealed partial class SharedSecretKeySource : ISigningKeySource, IDependencyHealth
{
    /// <summary>The default <c>Inbound:SharedSecretCache:RefreshInterval</c>.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default <c>Inbound:SharedSecretCache:MinRefetchInterval</c> (and failure back-off).</summary>
    public static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The default <c>Inbound:SharedSecretCache:MaxStaleness</c>: how long past the refresh interval keys read before a store
    /// outage keep verifying. Beyond it, requests get 503 (keys_unavailable): a version disabled during the outage must not verify forever.
    /// </summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromHours(1);

    private readonly ISecretStore _store;
    private readonly string _secretName;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _algorithm;
    private readonly RefreshingCache<string, Snapshot> _keys;

    /// <param name="metrics">Counts lookups served from memory (hit) against those that read the store (miss).</param>
    /// <param name="algorithm">The one HS algorithm every version verifies: the integration's (a key verifies one algorithm, RFC 8725 3.1).</param>
    /// <param name="cache">The cache's intervals (<c>Inbound:SharedSecretCache</c>); null: <see cref="DefaultCache"/>.</param>
    /// <param name="name">The health and metrics name, <c>shared-secret:&lt;integration&gt;</c> (never the secret's name).</param>
    public SharedSecretKeySource(ISecretStore store, string secretName, TimeProvider timeProvider, ILogger logger, JiraAuthMetrics? metrics = null, string algorithm = "HS256", CacheSettings? cache = null, string name = "shared-secret")
    {
        if (!KeyAlgorithms.Hmac.Contains(algorithm))
        {
            throw new ArgumentException($"A shared secret verifies HS256, HS384 or HS512, not '{algorithm}'.", nameof(algorithm));
        }

        _algorithm = algorithm;
        _store = store;
        _secretName = secretName;
        _timeProvider = timeProvider;
        _logger = logger;
        var settings = cache ?? DefaultCache;

        // The held keys verify through the last instant of their staleness (read at t: up to and including
        // t + refresh + staleness), where the cache's bound is exclusive: one tick keeps that.
        var options = settings.ToOptions() with { MaxStaleness = settings.MaxStaleness + TimeSpan.FromTicks(1), WaitForRefresh = true, UnavailableHealth = HealthStatus.Degraded };
        _keys = new RefreshingCache<string, Snapshot>(name, options, (_, cancellationToken) => LoadAsync(cancellationToken), timeProvider, logger, metrics, StringComparer.Ordinal, SecretKinds.SharedSecret);
    }

    /// <summary>Today's intervals: refresh 5 minutes, early read and back-off 30 s, staleness 1 hour, read timeout 30 s.</summary>
    public static CacheSettings DefaultCache => new()
    {
        RefreshInterval = RefreshInterval,
        MinRefetchInterval = MinRefetchInterval,
        MaxStaleness = MaxStaleness,
        FailureBackoff = MinRefetchInterval,
        MaxFailureBackoff = MinRefetchInterval,
        FetchTimeout = TimeSpan.FromSeconds(30),
    };

    public string SecretName => _secretName;

    public async ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        var held = await _keys.GetAsync(_secretName, static (snapshot, kid) => kid is not null && !snapshot.HasKid(kid), kid, cancellationToken).ConfigureAwait(false);
        return held.Value is { } snapshot ? snapshot.Lookup(kid, _timeProvider.GetUtcNow()) : KeyLookup.SourceUnavailable;
    }

    /// <summary>
    /// All usable keys, re-read from the store first when the last read is at least the minimum refetch
    /// interval old: for a signature that names no version (X-Hub-Signature) and matched none held, since
    /// it may be made with a version added since. The same bound as an unknown kid, so failing signatures
    /// cannot turn into store traffic.
    /// </summary>
    public async ValueTask<KeyLookup> GetKeysAfterMismatchAsync(CancellationToken cancellationToken = default)
    {
        var held = await _keys.GetAsync(_secretName, refreshEarly: true, cancellationToken).ConfigureAwait(false);
        return held.Value is { } snapshot ? snapshot.Lookup(null, _timeProvider.GetUtcNow()) : KeyLookup.SourceUnavailable;
    }

    /// <summary>Healthy while the store answers; Degraded while reads fail, with until when held keys serve or <c>keys_unavailable</c> (the store's outage is reported as <c>secretStore</c>).</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => _keys.CheckAsync(cancellationToken);

    private async Task<Fetched<Snapshot>> LoadAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        try
        {
            var versions = await _store.GetPropertiesOfSecretVersionsAsync(_secretName, cancellationToken).ConfigureAwait(false);
            var usable = versions.Where(v => v.IsUsableAt(now)).OrderByDescending(v => v.CreatedOn).Take(2).ToList();
            var keys = new List<TimedKey>(usable.Count);
            foreach (var properties in usable)
            {
                var secret = await _store.GetSecretAsync(_secretName, properties.Version, cancellationToken).ConfigureAwait(false);
                if (secret is not null)
                {
                    var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret.Value)) { KeyId = properties.Version };
                    keys.Add(new TimedKey(new VerificationKey(key, _algorithm), properties.ExpiresOn));
                }
            }

            Log.SharedSecretKeysRefreshed(_logger, _secretName, keys.Count);
            return Fetched<Snapshot>.Found(new Snapshot(keys));
        }
#pragma warning disable CA1031 // Any store failure (or the read timeout) leaves the held keys serving; the cache counts it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The exception type only: a store's message is not ours to vouch for.
            Log.SecretReadFailed(_logger, _secretName, ex.GetType().Name);
            return Fetched<Snapshot>.Failed(ex.GetType().Name);
        }
    }

    private sealed record TimedKey(VerificationKey Key, DateTimeOffset? ExpiresOn);

    private sealed record Snapshot(IReadOnlyList<TimedKey> Keys)
    {
        // Built once per load: the common lookup (no key expired since) allocates nothing.
        private readonly KeyLookup _all = new([.. Keys.Select(k => k.Key)]);
        private readonly Dictionary<string, KeyLookup> _byKid = Keys.Where(k => k.Key.Kid is not null)
            .GroupBy(k => k.Key.Kid!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new KeyLookup([.. g.Select(k => k.Key)]), StringComparer.Ordinal);

        public bool HasKid(string kid) => _byKid.ContainsKey(kid);

        // By index, and the filtering lambda in a method of its own: a closure over 'now' (or a boxed
        // enumerator) would be made on every request, expired key or not.
        public KeyLookup Lookup(string? kid, DateTimeOffset now)
        {
            var lookup = kid is null ? _all : _byKid.GetValueOrDefault(kid, KeyLookup.None);
            for (var i = 0; i < Keys.Count; i++)
            {
                // A version that expired since the last refresh stops verifying at once.
                if (Keys[i].ExpiresOn <= now)
                {
                    return WithoutExpired(lookup, now);
                }
            }

            return lookup;
        }

        private KeyLookup WithoutExpired(KeyLookup lookup, DateTimeOffset now) => new([.. lookup.Keys.Where(k => !IsExpired(k, now))]);

        private bool IsExpired(VerificationKey key, DateTimeOffset now) =>
            Keys.Any(k => ReferenceEquals(k.Key, key) && k.ExpiresOn <= now);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.SharedSecretKeysRefreshed, LogLevel.Debug, "Shared secret {SecretName} loaded: {VersionCount} usable versions.", EventName = "SharedSecretKeysRefreshed")]
        public static partial void SharedSecretKeysRefreshed(ILogger logger, string secretName, int versionCount);

        [LoggerMessage(EventIds.SecretReadFailed, LogLevel.Error, "Reading secret {SecretName} failed ({ErrorType}); keys already held keep serving.", EventName = "SecretReadFailed")]
        public static partial void SecretReadFailed(ILogger logger, string secretName, string errorType);
    }
}
