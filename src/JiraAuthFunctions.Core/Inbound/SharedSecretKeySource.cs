using System.Text;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The HMAC keys of one integration, read from the secret store: the current version and, during a
/// rotation, the previous one, so both verify. Each key's <c>kid</c> is the secret's version id.
/// Held in memory and refreshed at most once per <see cref="RefreshInterval"/>, so request load never
/// becomes secret-store traffic; a token naming an unknown version triggers an early refresh, at most
/// once per <see cref="MinRefetchInterval"/>. If a refresh fails, the keys already held keep serving.
/// </summary>
public sealed partial class SharedSecretKeySource : ISigningKeySource
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long past the refresh interval keys read before a store outage keep verifying. Beyond
    /// it, requests get 503 (keys_unavailable): a version disabled during the outage must not verify forever.
    /// </summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromHours(1);

    private readonly ISecretStore _store;
    private readonly string _secretName;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly JiraAuthMetrics? _metrics;
    private readonly string _algorithm;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <param name="metrics">Counts lookups served from memory (hit) against those that read the store (miss).</param>
    /// <param name="algorithm">The one HS algorithm every version verifies: the integration's (a key verifies one algorithm, RFC 8725 3.1).</param>
    public SharedSecretKeySource(ISecretStore store, string secretName, TimeProvider timeProvider, ILogger logger, JiraAuthMetrics? metrics = null, string algorithm = "HS256")
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
        _metrics = metrics;
    }

    public string SecretName => _secretName;

    public async ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var snapshot = _snapshot;
        var due = snapshot is null || now - snapshot.LoadedAt >= RefreshInterval ||
            (kid is not null && !snapshot.HasKid(kid) && now - snapshot.LoadedAt >= MinRefetchInterval);
        _metrics?.SecretCache(SecretKinds.SharedSecret, hit: !due);
        if (due)
        {
            snapshot = await RefreshAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }

        if (snapshot is null || now - snapshot.SucceededAt > RefreshInterval + MaxStaleness)
        {
            return KeyLookup.SourceUnavailable;
        }

        return snapshot.Lookup(kid, now);
    }

    /// <summary>
    /// All usable keys, re-read from the store first when the last read is at least
    /// <see cref="MinRefetchInterval"/> old: for a signature that names no version (X-Hub-Signature)
    /// and matched none held, since it may be made with a version added since. The same bound as
    /// an unknown kid, so failing signatures cannot turn into store traffic.
    /// </summary>
    public async ValueTask<KeyLookup> GetKeysAfterMismatchAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && _timeProvider.GetUtcNow() - snapshot.LoadedAt >= MinRefetchInterval)
        {
            await RefreshAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }

        return await GetKeysAsync(null, cancellationToken).ConfigureAwait(false);
    }

    // Single flight: concurrent callers wait for one store read instead of each making their own.
    private async ValueTask<Snapshot?> RefreshAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(_snapshot, seen))
            {
                return _snapshot;
            }

            var loaded = await LoadAsync(cancellationToken).ConfigureAwait(false);
            // On failure the held keys keep serving, and the next read is tried after MinRefetchInterval.
            _snapshot = loaded ?? (seen is null ? null : seen with { LoadedAt = _timeProvider.GetUtcNow() - RefreshInterval + MinRefetchInterval });
            return _snapshot;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task<Snapshot?> LoadAsync(CancellationToken cancellationToken)
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
            return new Snapshot(keys, now, now);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception type only: a store's message is not ours to vouch for.
            Log.SecretReadFailed(_logger, _secretName, ex.GetType().Name);
            return null;
        }
    }

    private sealed record TimedKey(VerificationKey Key, DateTimeOffset? ExpiresOn);

    /// <param name="LoadedAt">When the store was last tried (a failed try moves it too).</param>
    /// <param name="SucceededAt">When the store was last read successfully.</param>
    private sealed record Snapshot(IReadOnlyList<TimedKey> Keys, DateTimeOffset LoadedAt, DateTimeOffset SucceededAt)
    {
        // Built once per load: the common lookup (no key expired since) allocates nothing.
        private readonly KeyLookup _all = new([.. Keys.Select(k => k.Key)]);
        private readonly Dictionary<string, KeyLookup> _byKid = Keys.Where(k => k.Key.Kid is not null)
            .GroupBy(k => k.Key.Kid!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new KeyLookup([.. g.Select(k => k.Key)]), StringComparer.Ordinal);

        public bool HasKid(string kid) => _byKid.ContainsKey(kid);

        public KeyLookup Lookup(string? kid, DateTimeOffset now)
        {
            var lookup = kid is null ? _all : _byKid.GetValueOrDefault(kid, KeyLookup.None);
            foreach (var key in Keys)
            {
                // A version that expired since the last refresh stops verifying at once.
                if (key.ExpiresOn <= now)
                {
                    return new KeyLookup([.. lookup.Keys.Where(k => !IsExpired(k, now))]);
                }
            }

            return lookup;
        }

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
