using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Caching;

/// <summary>The log lines of <see cref="RefreshingCache{TKey, TValue}"/> (kept out of the generic type).</summary>
internal static partial class RefreshingCacheLog
{
    [LoggerMessage(EventIds.KeysServedStale, LogLevel.Warning,
        "Fetching {Cache} failed ({Reason}); the keys fetched at {FetchedAt:O} keep verifying until {ExpiresAt:O}, then requests get 503 keys_unavailable. Next try in {Backoff}.",
        EventName = "KeysServedStale")]
    public static partial void ServingStale(ILogger logger, string cache, string reason, DateTimeOffset fetchedAt, DateTimeOffset expiresAt, TimeSpan backoff);

    [LoggerMessage(EventIds.KeysExpired, LogLevel.Error,
        "{Cache} could not be fetched since {FetchedAt:O}: the held keys passed their maximum staleness ({MaxStaleness}) and stopped verifying; requests get 503 keys_unavailable until a fetch succeeds.",
        EventName = "KeysExpired")]
    public static partial void HeldExpired(ILogger logger, string cache, DateTimeOffset fetchedAt, TimeSpan maxStaleness);

    [LoggerMessage(EventIds.KeyFetchRecovered, LogLevel.Information,
        "{Cache} fetched again after {Failures} failed tries.",
        EventName = "KeyFetchRecovered")]
    public static partial void FetchRecovered(ILogger logger, string cache, int failures);
}
