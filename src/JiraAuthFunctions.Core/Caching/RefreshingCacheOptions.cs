namespace JiraAuthFunctions.Caching;

/// <summary>
/// How a <see cref="RefreshingCache{TKey, TValue}"/> refreshes, backs off and gives up on what it holds.
/// Built by the capability that owns the settings (and validated there at start, naming its keys);
/// <see cref="Validate"/> only guards against a programming error.
/// </summary>
public sealed record RefreshingCacheOptions
{
    /// <summary>Marks a value that never goes stale (an install key: a new key always gets a new kid).</summary>
    public static readonly TimeSpan Never = TimeSpan.MaxValue;

    /// <summary>The default <see cref="FailureBackoff"/>.</summary>
    public static readonly TimeSpan DefaultFailureBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="MaxFailureBackoff"/>.</summary>
    public static readonly TimeSpan DefaultMaxFailureBackoff = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="FetchTimeout"/>.</summary>
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a fetched value is served as fresh. Past it, the next request refreshes it (in the background while the value is held). This field is required.</summary>
    public required TimeSpan RefreshInterval { get; init; }

    /// <summary>
    /// An early refresh (a request for something the held value lacks, e.g. an unknown <c>kid</c>) at most this
    /// often; also how long a "not found" answer is believed for its key. This field is required.
    /// </summary>
    public required TimeSpan MinRefetchInterval { get; init; }

    /// <summary>
    /// How long past <see cref="RefreshInterval"/> a held value keeps serving while every refresh fails.
    /// After it the value stops serving (requests get "unavailable"): a key removed at the source during an
    /// outage must not verify for ever. This field is required.
    /// </summary>
    public required TimeSpan MaxStaleness { get; init; }

    /// <summary>The wait after the first failed fetch; doubled after each further failure up to <see cref="MaxFailureBackoff"/>.</summary>
    public TimeSpan FailureBackoff { get; init; } = DefaultFailureBackoff;

    /// <summary>The longest wait between fetches while the source keeps failing.</summary>
    public TimeSpan MaxFailureBackoff { get; init; } = DefaultMaxFailureBackoff;

    /// <summary>A fetch that takes longer is abandoned and counts as failed.</summary>
    public TimeSpan FetchTimeout { get; init; } = DefaultFetchTimeout;

    /// <summary>
    /// Callers wait for the source rather than being answered at once: a caller whose held value is due waits
    /// for its refresh (the held value serves only if that refresh fails, within <see cref="MaxStaleness"/>), and
    /// callers arriving while a fetch for their key runs wait for that fetch (single flight). For values read from
    /// the secret store, whose withdrawal (a disabled version, an uninstalled tenant) must take effect at the first
    /// read after the refresh interval. False (URL-backed keys): the held value serves while the refresh runs beside
    /// the request, and only the caller that started a fetch for a key with nothing usable waits for it.
    /// </summary>
    public bool WaitForRefresh { get; init; }

    /// <summary>
    /// The health reported while fetches fail and nothing usable is held (requests get 503). Unhealthy for a URL-backed
    /// source; Degraded for the secret-store caches, whose outage is the store's: <c>/api/health</c> reports it once as
    /// <c>secretStore</c> and answers <c>degraded</c> for it, not once per cache.
    /// </summary>
    public Health.HealthStatus UnavailableHealth { get; init; } = Health.HealthStatus.Unhealthy;

    /// <summary>Keyed caches: at most this many keys are held (keys that hold no value are dropped first).</summary>
    public int MaxEntries { get; init; } = 1;

    /// <summary>
    /// Keyed caches: at most this many fetches of keys with nothing held, per <see cref="MinRefetchInterval"/>,
    /// across all keys, so a flood of made-up keys cannot become outbound traffic.
    /// </summary>
    public int MaxColdFetchesPerInterval { get; init; } = int.MaxValue;

    /// <summary>Throws when the options cannot work together.</summary>
    public void Validate()
    {
        if (RefreshInterval <= TimeSpan.Zero || MinRefetchInterval <= TimeSpan.Zero || MaxStaleness < TimeSpan.Zero ||
            FailureBackoff <= TimeSpan.Zero || MaxFailureBackoff < FailureBackoff || FetchTimeout <= TimeSpan.Zero ||
            MaxEntries < 1 || MaxColdFetchesPerInterval < 1)
        {
            throw new ArgumentException($"Invalid cache options: {this}.");
        }
    }

    /// <summary>How long after a successful fetch a value may serve at all: the refresh interval plus the maximum staleness.</summary>
    internal TimeSpan UsableFor =>
        RefreshInterval == Never || MaxStaleness == Never || RefreshInterval > Never - MaxStaleness ? Never : RefreshInterval + MaxStaleness;

    /// <summary>The wait after <paramref name="failures"/> failed fetches in a row.</summary>
    internal TimeSpan BackoffAfter(int failures)
    {
        var backoff = FailureBackoff;
        for (var i = 1; i < failures && backoff < MaxFailureBackoff; i++)
        {
            backoff += backoff;
        }

        return backoff < MaxFailureBackoff ? backoff : MaxFailureBackoff;
    }
}
