namespace JiraAuthFunctions.Caching;

/// <summary>
/// The settings of one kind of cached source (e.g. section <c>Inbound:SharedSecretCache</c>): bound from
/// configuration, checked at start by <see cref="Check"/> (every error, each naming its full key), and turned
/// into the cache's <see cref="RefreshingCacheOptions"/> by the source. Each source supplies its defaults
/// (the values it had before they were settings); docs/caching.md lists the keys.
/// </summary>
public sealed record CacheSettings
{
    /// <summary>How long a value read from the source is served from memory before it is read again.</summary>
    public TimeSpan RefreshInterval { get; set; }

    /// <summary>
    /// An early read (a token naming a key not held, an unknown clientKey) at most this often; also how long
    /// a "not found" answer is believed.
    /// </summary>
    public TimeSpan MinRefetchInterval { get; set; }

    /// <summary>How long past <see cref="RefreshInterval"/> a held value keeps serving while the source fails; then requests are refused (503).</summary>
    public TimeSpan MaxStaleness { get; set; }

    /// <summary>After a failed read the source is not asked again for this long; each further failure doubles it up to <see cref="MaxFailureBackoff"/>.</summary>
    public TimeSpan FailureBackoff { get; set; }

    /// <summary>The longest wait between two reads while the source keeps failing.</summary>
    public TimeSpan MaxFailureBackoff { get; set; }

    /// <summary>A read that takes longer is abandoned and counts as failed.</summary>
    public TimeSpan FetchTimeout { get; set; }

    /// <summary>Adds one message per invalid setting under <paramref name="key"/> (e.g. <c>Inbound:SharedSecretCache</c>).</summary>
    public void Check(string key, List<string> errors)
    {
        Between(errors, $"{key}:RefreshInterval", RefreshInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (MinRefetchInterval < TimeSpan.FromSeconds(1) || MinRefetchInterval > RefreshInterval)
        {
            errors.Add($"{key}:MinRefetchInterval must be at least 00:00:01 and at most {key}:RefreshInterval; it is {MinRefetchInterval}.");
        }

        Between(errors, $"{key}:MaxStaleness", MaxStaleness, TimeSpan.Zero, TimeSpan.FromDays(7));
        Between(errors, $"{key}:FailureBackoff", FailureBackoff, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        if (MaxFailureBackoff < FailureBackoff || MaxFailureBackoff > TimeSpan.FromHours(1))
        {
            errors.Add($"{key}:MaxFailureBackoff must be at least {key}:FailureBackoff and at most 01:00:00; it is {MaxFailureBackoff}.");
        }

        Between(errors, $"{key}:FetchTimeout", FetchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
    }

    /// <summary>The cache options for these settings; the source adds what is its own (waiting, key limits).</summary>
    public RefreshingCacheOptions ToOptions() => new()
    {
        RefreshInterval = RefreshInterval,
        MinRefetchInterval = MinRefetchInterval,
        MaxStaleness = MaxStaleness,
        FailureBackoff = FailureBackoff,
        MaxFailureBackoff = MaxFailureBackoff,
        FetchTimeout = FetchTimeout,
    };

    private static void Between(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} must be between {min} and {max}; it is {value}.");
        }
    }
}
