using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Connect;

/// <summary>What an install-key lookup found.</summary>
public enum InstallKeyStatus
{
    Found,

    /// <summary>The kid is not one the service knows (404), or not a kid at all (bad characters): never fetched.</summary>
    Unknown,

    /// <summary>The service could not be reached, failed, or was asked too often.</summary>
    Unavailable,
}

/// <summary>
/// The RS256 public keys Atlassian signs Connect lifecycle calls with: <c>GET {base}/{kid}</c>
/// answers a PEM public key. Keys are cached by kid (a rotated key always gets a new kid, so a
/// cached key never goes stale), at most <see cref="MaxKeys"/> of them. The kid comes from an
/// unverified token, so it never steers the URL: only [A-Za-z0-9_-] up to 128 characters, as one
/// path segment. Fetches have a bounded time and size, and a kid not yet cached is fetched at most
/// once per <see cref="MinFetchInterval"/> across all kids, so a flood of made-up kids cannot become
/// outbound traffic.
/// </summary>
public sealed partial class InstallKeys
{
    public const int MaxKeys = 64;
    public const int MaxKeyBytes = 16 * 1024;
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MinFetchInterval = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, VerificationKey> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private DateTimeOffset _lastFetch = DateTimeOffset.MinValue;

    public InstallKeys(HttpClient http, Uri baseUrl, TimeProvider timeProvider, ILogger logger)
    {
        _http = http;
        _baseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public static bool IsValidKid(string? kid) =>
        kid is { Length: > 0 and <= 128 } && kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async ValueTask<(InstallKeyStatus Status, VerificationKey? Key)> GetAsync(string? kid, CancellationToken cancellationToken = default)
    {
        if (!IsValidKid(kid))
        {
            return (InstallKeyStatus.Unknown, null);
        }

        if (_keys.TryGetValue(kid!, out var key))
        {
            return (InstallKeyStatus.Found, key);
        }

        await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_keys.TryGetValue(kid!, out key))
            {
                return (InstallKeyStatus.Found, key);
            }

            var now = _timeProvider.GetUtcNow();
            if (now - _lastFetch < MinFetchInterval)
            {
                return (InstallKeyStatus.Unavailable, null);
            }

            _lastFetch = now;
            return await FetchAsync(kid!, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    private async Task<(InstallKeyStatus, VerificationKey?)> FetchAsync(string kid, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        try
        {
            using var response = await _http.GetAsync(new Uri(_baseUrl, kid), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                return (InstallKeyStatus.Unknown, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                Log.FetchFailed(_logger, _baseUrl.Host, kid, $"HTTP {(int)response.StatusCode}");
                return (InstallKeyStatus.Unavailable, null);
            }

            var pem = await ReadLimitedAsync(response.Content, timeout.Token).ConfigureAwait(false);
            var key = Parse(kid, pem);
            if (key is null)
            {
                Log.FetchFailed(_logger, _baseUrl.Host, kid, "not an RSA public key of at least 2048 bits");
                return (InstallKeyStatus.Unavailable, null);
            }

            if (_keys.Count >= MaxKeys)
            {
                _keys.Clear();
            }

            _keys[kid] = key;
            return (InstallKeyStatus.Found, key);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.FetchFailed(_logger, _baseUrl.Host, kid, ex.GetType().Name);
            return (InstallKeyStatus.Unavailable, null);
        }
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxKeyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        if (length > MaxKeyBytes)
        {
            throw new InvalidDataException("Install key response too large.");
        }

        return System.Text.Encoding.ASCII.GetString(buffer, 0, length);
    }

    private static VerificationKey? Parse(string kid, string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                rsa.Dispose();
                return null;
            }

            // A private key would import too: keep the public part only.
            var publicOnly = RSA.Create(rsa.ExportParameters(includePrivateParameters: false));
            rsa.Dispose();
            return new VerificationKey(new RsaSecurityKey(publicOnly) { KeyId = kid }, "RS256");
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectInstallKeyFetchFailed, LogLevel.Error,
            "Fetching Connect install key {Kid} from {Host} failed ({Error}); the lifecycle call is answered 503 so Atlassian can retry.",
            EventName = "ConnectInstallKeyFetchFailed")]
        public static partial void FetchFailed(ILogger logger, string host, string kid, string error);
    }
}
