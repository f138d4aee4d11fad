using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// Public keys fetched from a JWKS URL, held in a <see cref="RefreshingCache{TKey, TValue}"/>: refreshed in
/// the background once older than the refresh interval, one fetch in flight at most, none while backing off
/// after a failure, and a held set that stops verifying once it is past the maximum staleness. A token whose
/// <c>kid</c> is not in the set causes one early fetch at most per minimum refetch interval, so a flood of
/// made-up kids cannot hammer the JWKS host. Header-supplied key locations (<c>jku</c>, <c>x5u</c>) are never
/// followed: only this URL is. Reports its health as <c>jwks:&lt;integration&gt;</c>.
/// </summary>
public sealed partial class JwksKeySource : ISigningKeySource, IDependencyHealth
{
    internal const int MaxDocumentBytes = 256 * 1024;

    /// <summary>How long past the refresh interval held keys outlive a failing JWKS host, unless configured (<c>JwksMaxStaleness</c>).</summary>
    public static readonly TimeSpan DefaultMaxStaleness = TimeSpan.FromHours(6);

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string? _rsaAlgorithm;
    private readonly RefreshingCache<string, KeySet> _keys;

    /// <param name="rsaAlgorithm">The algorithm of the set's RSA keys that state no <c>alg</c>; null: such keys are skipped.</param>
    public JwksKeySource(HttpClient http, Uri uri, TimeSpan refreshInterval, TimeSpan minRefetchInterval, TimeProvider timeProvider, ILogger<JwksKeySource> logger, string? rsaAlgorithm = null)
        : this(http, uri, "jwks", new RefreshingCacheOptions { RefreshInterval = refreshInterval, MinRefetchInterval = minRefetchInterval, MaxStaleness = DefaultMaxStaleness }, timeProvider, logger, rsaAlgorithm: rsaAlgorithm)
    {
    }

    /// <param name="name">The health and metrics name, <c>jwks:&lt;integration&gt;</c>.</param>
    /// <param name="rsaAlgorithm">The algorithm of the set's RSA keys that state no <c>alg</c>; null: such keys are skipped.</param>
    public JwksKeySource(HttpClient http, Uri uri, string name, RefreshingCacheOptions options, TimeProvider timeProvider, ILogger logger, JiraAuthMetrics? metrics = null, string? rsaAlgorithm = null)
    {
        _http = http;
        _uri = uri;
        _timeProvider = timeProvider;
        _logger = logger;
        _rsaAlgorithm = rsaAlgorithm;
        _keys = new RefreshingCache<string, KeySet>(name, options, (_, cancellationToken) => DownloadAsync(cancellationToken), timeProvider, logger, metrics, StringComparer.Ordinal);
    }

    public async ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        var held = await _keys.GetAsync(_uri.AbsoluteUri, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (held.Value is null)
        {
            return KeyLookup.SourceUnavailable;
        }

        var lookup = held.Value.Lookup(kid);
        if (lookup.Keys.Count > 0 || kid is null)
        {
            return lookup;
        }

        // A kid the set lacks may be a key the issuer just published: refetch early, within the cache's limits.
        var refetched = await _keys.GetAsync(_uri.AbsoluteUri, refreshEarly: true, cancellationToken).ConfigureAwait(false);
        if (refetched.Value is null)
        {
            return KeyLookup.SourceUnavailable;
        }

        lookup = refetched.Value.Lookup(kid);
        if (lookup.Keys.Count == 0 && refetched.Pending)
        {
            // Another request's refetch is under way and may bring this kid: ask the sender to retry (503)
            // rather than refuse the token for good (401).
            return KeyLookup.SourceUnavailable;
        }

        if (lookup.Keys.Count == 0 && ReferenceEquals(refetched.Value, held.Value))
        {
            Log.JwksRefetchThrottled(_logger, _uri.Host);
        }

        return lookup;
    }

    /// <summary>Healthy, Degraded (serving held keys while the host fails, until when) or Unhealthy (keys_unavailable).</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => _keys.CheckAsync(cancellationToken);

    private async Task<Fetched<KeySet>> DownloadAsync(CancellationToken cancellationToken)
    {
        var response = await KeyDocument.GetAsync(_http, _uri, "application/json", MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
        if (response.Body is null)
        {
            Log.JwksRefreshFailed(_logger, _uri.Host, response.Failure!);
            return Fetched<KeySet>.Failed(response.Failure!);
        }

        try
        {
            var set = KeySet.Parse(response.Body, _timeProvider.GetUtcNow(), _rsaAlgorithm, _uri.Host, _logger);
            Log.JwksRefreshed(_logger, _uri.Host, set.Count);
            return Fetched<KeySet>.Found(set);
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException)
        {
            Log.JwksRefreshFailed(_logger, _uri.Host, ex.GetType().Name);
            return Fetched<KeySet>.Failed("invalid_document");
        }
    }

    private sealed class KeySet
    {
        private readonly Dictionary<string, KeyLookup> _byKid;
        private readonly KeyLookup _all;

        private KeySet(List<VerificationKey> keys, DateTimeOffset fetchedAt)
        {
            _all = new KeyLookup(keys);
            _byKid = keys.Where(k => k.Kid is not null)
                .GroupBy(k => k.Kid!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new KeyLookup(g.ToArray()), StringComparer.Ordinal);
            FetchedAt = fetchedAt;
        }

        public DateTimeOffset FetchedAt { get; }

        public int Count => _all.Keys.Count;

        public KeyLookup Lookup(string? kid) =>
            kid is null ? _all : _byKid.TryGetValue(kid, out var lookup) ? lookup : KeyLookup.None;

        /// <summary>
        /// Signature keys only (no "use": "enc"), public parts only, RSA and EC only, each bound to one
        /// algorithm (RFC 8725 3.1): its <c>alg</c>; an EC key's curve's; an RSA key without <c>alg</c>
        /// gets <paramref name="rsaAlgorithm"/> or is skipped. A key whose algorithm does not fit it (an
        /// EC P-256 key stating ES384, an RSA key under 2048 bits, an encryption alg) is skipped too,
        /// each with a log line naming its kid.
        /// </summary>
        public static KeySet Parse(string json, DateTimeOffset fetchedAt, string? rsaAlgorithm, string host, ILogger logger)
        {
            var set = new JsonWebKeySet(json) { SkipUnresolvedJsonWebKeys = true };
            var keys = new List<VerificationKey>();
            foreach (var jwk in set.Keys)
            {
                if (jwk.HasPrivateKey || jwk.Use == "enc" ||
                    jwk.Kty is not (JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve) ||
                    !JsonWebKeyConverter.TryConvertToSecurityKey(jwk, out var key))
                {
                    continue;
                }

                key.KeyId = jwk.Kid;
                var algorithm = KeyAlgorithms.Resolve(key, string.IsNullOrEmpty(jwk.Alg) ? null : jwk.Alg, rsaAlgorithm, out var error);
                if (algorithm is null)
                {
                    Log.JwksKeySkipped(logger, host, CallerInfo.Clip(jwk.Kid) ?? "(none)", error!);
                    continue;
                }

                keys.Add(new VerificationKey(key, algorithm));
            }

            return new KeySet(keys, fetchedAt);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.JwksRefreshed, LogLevel.Information, "JWKS from {JwksHost} loaded: {KeyCount} signing keys.", EventName = "JwksRefreshed")]
        public static partial void JwksRefreshed(ILogger logger, string jwksHost, int keyCount);

        [LoggerMessage(EventIds.JwksRefreshFailed, LogLevel.Error, "JWKS fetch from {JwksHost} failed ({Reason}); the keys already held keep serving.", EventName = "JwksRefreshFailed")]
        public static partial void JwksRefreshFailed(ILogger logger, string jwksHost, string reason);

        [LoggerMessage(EventIds.JwksKeySkipped, LogLevel.Warning, "JWKS from {JwksHost}: key {Kid} skipped, {Why}; tokens naming it get unknown_kid.", EventName = "JwksKeySkipped")]
        public static partial void JwksKeySkipped(ILogger logger, string jwksHost, string kid, string why);

        [LoggerMessage(EventIds.JwksRefetchThrottled, LogLevel.Debug, "Unknown kid for JWKS {JwksHost}; refetch skipped (rate limited).", EventName = "JwksRefetchThrottled")]
        public static partial void JwksRefetchThrottled(ILogger logger, string jwksHost);
    }
}
