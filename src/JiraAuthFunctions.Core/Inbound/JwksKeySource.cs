using System.Net.Http.Headers;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Public keys fetched from a JWKS URL. The key set is held in memory; once it is older than the
/// refresh interval it is refreshed in the background while the held set keeps serving. A token
/// whose <c>kid</c> is not in the set causes one fetch at most per minimum refetch interval, so
/// a flood of made-up kids cannot hammer the JWKS host. A failed fetch keeps the last good set.
/// Header-supplied key locations (<c>jku</c>, <c>x5u</c>) are never followed: only this URL is.
/// </summary>
public sealed partial class JwksKeySource : ISigningKeySource
{
    internal const int MaxDocumentBytes = 256 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _minRefetchInterval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string? _rsaAlgorithm;
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private volatile KeySet? _keys;
    private long _lastAttemptTicks = long.MinValue;

    /// <param name="rsaAlgorithm">The algorithm of the set's RSA keys that state no <c>alg</c>; null: such keys are skipped.</param>
    public JwksKeySource(HttpClient http, Uri uri, TimeSpan refreshInterval, TimeSpan minRefetchInterval, TimeProvider timeProvider, ILogger<JwksKeySource> logger, string? rsaAlgorithm = null)
    {
        _rsaAlgorithm = rsaAlgorithm;
        _http = http;
        _uri = uri;
        _refreshInterval = refreshInterval;
        _minRefetchInterval = minRefetchInterval;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        var keys = _keys ?? await FetchAsync(force: true, cancellationToken).ConfigureAwait(false);
        if (keys is null)
        {
            return KeyLookup.SourceUnavailable;
        }

        var now = _timeProvider.GetUtcNow();
        if (now - keys.FetchedAt >= _refreshInterval)
        {
            // Serve what we hold; the refresh runs beside the request, not in front of it.
            _ = Task.Run(() => FetchAsync(force: false, CancellationToken.None), CancellationToken.None);
        }

        var lookup = keys.Lookup(kid);
        if (lookup.Keys.Count > 0 || kid is null)
        {
            return lookup;
        }

        if (!TryClaimRefetch(now))
        {
            Log.JwksRefetchThrottled(_logger, _uri.Host);
            return KeyLookup.None;
        }

        keys = await FetchAsync(force: true, cancellationToken).ConfigureAwait(false);
        return keys?.Lookup(kid) ?? KeyLookup.None;
    }

    private bool TryClaimRefetch(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastAttemptTicks);
        return now.UtcTicks - last >= _minRefetchInterval.Ticks &&
               Interlocked.CompareExchange(ref _lastAttemptTicks, now.UtcTicks, last) == last;
    }

    private async Task<KeySet?> FetchAsync(bool force, CancellationToken cancellationToken)
    {
        var seen = _keys;
        await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller fetched while we waited: use theirs.
            if (!ReferenceEquals(_keys, seen) || (!force && seen is not null && _timeProvider.GetUtcNow() - seen.FetchedAt < _refreshInterval))
            {
                return _keys;
            }

            Interlocked.Exchange(ref _lastAttemptTicks, _timeProvider.GetUtcNow().UtcTicks);
            var fetched = await DownloadAsync(cancellationToken).ConfigureAwait(false);
            if (fetched is not null)
            {
                _keys = fetched;
            }

            return _keys;
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    private async Task<KeySet?> DownloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.JwksRefreshFailed(_logger, _uri.Host, $"http_{(int)response.StatusCode}");
                return null;
            }

            if (response.Content.Headers.ContentLength > MaxDocumentBytes)
            {
                Log.JwksRefreshFailed(_logger, _uri.Host, "document_too_large");
                return null;
            }

            var json = await ReadBoundedAsync(response.Content, timeout.Token).ConfigureAwait(false);
            if (json is null)
            {
                Log.JwksRefreshFailed(_logger, _uri.Host, "document_too_large");
                return null;
            }

            var set = KeySet.Parse(json, _timeProvider.GetUtcNow(), _rsaAlgorithm, _uri.Host, _logger);
            Log.JwksRefreshed(_logger, _uri.Host, set.Count);
            return set;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ArgumentException or System.Text.Json.JsonException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            Log.JwksRefreshFailed(_logger, _uri.Host, ex.GetType().Name);
            return null;
        }
    }

    private static async Task<string?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxDocumentBytes + 1];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > MaxDocumentBytes)
            {
                return null;
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
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
