using System.Net;
using System.Security.Cryptography;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Schemes.Connect;

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
/// cached key never goes stale), at most <see cref="MaxKeys"/> of them, in a
/// <see cref="RefreshingCache{TKey, TValue}"/>. The kid comes from an unverified token, so it never
/// steers the URL: only [A-Za-z0-9_-] up to 128 characters, as one path segment. Fetches have a
/// bounded time and size. Rate limits are per kid: a kid the service does not know (404) is not
/// asked again for <see cref="MinFetchInterval"/>, so a bogus kid neither repeats as outbound
/// traffic nor blocks a genuine install under another kid; kids not yet cached are fetched at most
/// <see cref="MaxUnknownKidFetchesPerInterval"/> times per <see cref="MinFetchInterval"/> across all
/// kids, so a flood of made-up kids cannot become outbound traffic. One fetch per kid in flight
/// (other requests for it are answered unavailable at once), and after a failure none before the
/// back-off has passed. Reports its health as <c>install-keys:&lt;integration&gt;</c>.
/// </summary>
public sealed partial class InstallKeys : IDependencyHealth
{
    public const int MaxKeys = 64;
    public const int MaxKeyBytes = 16 * 1024;
    public const int MaxUnknownKidFetchesPerInterval = 4;
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MinFetchInterval = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly ILogger _logger;
    private readonly RefreshingCache<string, VerificationKey> _keys;

    public InstallKeys(HttpClient http, Uri baseUrl, TimeProvider timeProvider, ILogger logger)
        : this(http, baseUrl, "install-keys", RefreshingCacheOptions.DefaultFailureBackoff, RefreshingCacheOptions.DefaultMaxFailureBackoff, timeProvider, logger)
    {
    }

    /// <param name="name">The health and metrics name, <c>install-keys:&lt;integration&gt;</c>.</param>
    /// <param name="failureBackoff">The wait after a failed fetch, doubled per further failure up to <paramref name="maxFailureBackoff"/>.</param>
    public InstallKeys(HttpClient http, Uri baseUrl, string name, TimeSpan failureBackoff, TimeSpan maxFailureBackoff, TimeProvider timeProvider, ILogger logger, JiraAuthMetrics? metrics = null)
    {
        _http = http;
        _baseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _logger = logger;
        var options = new RefreshingCacheOptions
        {
            RefreshInterval = RefreshingCacheOptions.Never,
            MaxStaleness = RefreshingCacheOptions.Never,
            MinRefetchInterval = MinFetchInterval,
            FailureBackoff = failureBackoff,
            MaxFailureBackoff = maxFailureBackoff,
            FetchTimeout = FetchTimeout,
            MaxEntries = MaxKeys,
            MaxColdFetchesPerInterval = MaxUnknownKidFetchesPerInterval,
        };
        _keys = new RefreshingCache<string, VerificationKey>(name, options, FetchAsync, timeProvider, logger, metrics, StringComparer.Ordinal);
    }

    public static bool IsValidKid(string? kid) =>
        kid is { Length: > 0 and <= 128 } && kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async ValueTask<(InstallKeyStatus Status, VerificationKey? Key)> GetAsync(string? kid, CancellationToken cancellationToken = default)
    {
        if (!IsValidKid(kid))
        {
            return (InstallKeyStatus.Unknown, null);
        }

        var held = await _keys.GetAsync(kid!, cancellationToken: cancellationToken).ConfigureAwait(false);
        return held.Status switch
        {
            CacheStatus.Fresh or CacheStatus.Stale => (InstallKeyStatus.Found, held.Value),
            CacheStatus.Missing => (InstallKeyStatus.Unknown, null),
            _ => (InstallKeyStatus.Unavailable, null),
        };
    }

    /// <summary>Healthy while the service answers; Degraded or Unhealthy while its fetches fail (new installs get 503).</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => _keys.CheckAsync(cancellationToken);

    private async Task<Fetched<VerificationKey>> FetchAsync(string kid, CancellationToken cancellationToken)
    {
        var response = await KeyDocument.GetAsync(_http, new Uri(_baseUrl, kid), "application/x-pem-file", MaxKeyBytes, cancellationToken).ConfigureAwait(false);
        if (response.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return Fetched<VerificationKey>.Missing;
        }

        if (response.Body is null)
        {
            Log.FetchFailed(_logger, _baseUrl.Host, kid, response.Failure!);
            return Fetched<VerificationKey>.Failed(response.Failure!);
        }

        var key = Parse(kid, response.Body);
        if (key is null)
        {
            Log.FetchFailed(_logger, _baseUrl.Host, kid, "not an RSA public key of at least 2048 bits");
            return Fetched<VerificationKey>.Failed("invalid_key");
        }

        return Fetched<VerificationKey>.Found(key);
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
