namespace JiraAuthFunctions.Caching;

/// <summary>How a cache lookup was answered.</summary>
public enum CacheStatus
{
    /// <summary>A value fetched less than the refresh interval ago.</summary>
    Fresh,

    /// <summary>A value past its refresh interval, served while a refresh is due, running or failing, within the maximum staleness.</summary>
    Stale,

    /// <summary>The source said there is no such value (e.g. 404), less than the minimum refetch interval ago.</summary>
    Missing,

    /// <summary>Nothing usable is held and no answer can be had now (source failing, backing off, or a fetch already under way).</summary>
    Unavailable,

    /// <summary>
    /// Nothing is held for this key and it was not fetched: keys not held were fetched as often as allowed
    /// (<see cref="RefreshingCacheOptions.MaxColdFetchesPerInterval"/>) this interval. The source is not known to fail.
    /// </summary>
    Throttled,
}

/// <summary>A cache lookup's answer.</summary>
/// <param name="Value">The held value; null unless <paramref name="Status"/> is Fresh or Stale.</param>
/// <param name="Status">How it was answered.</param>
/// <param name="Pending">A fetch for this key was under way and this caller did not wait for it: a newer value may be moments away.</param>
public readonly record struct CacheResult<TValue>(TValue? Value, CacheStatus Status, bool Pending = false)
    where TValue : class;

/// <summary>What one fetch brought back.</summary>
public readonly record struct Fetched<TValue>(TValue? Value, string? Failure)
    where TValue : class
{
    /// <summary>The source answered that there is no such value (not an outage: nothing backs off).</summary>
    public static Fetched<TValue> Missing => default;

    /// <summary>The value.</summary>
    public static Fetched<TValue> Found(TValue value) => new(value, null);

    /// <summary>The source failed; <paramref name="reason"/> is a short code for health (never a secret or a response body).</summary>
    public static Fetched<TValue> Failed(string reason) => new(null, reason);

    public bool IsFailure => Failure is not null;
}
