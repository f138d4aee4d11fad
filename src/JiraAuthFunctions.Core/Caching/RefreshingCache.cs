using System.Collections.Concurrent;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Log = JiraAuthFunctions.Caching.RefreshingCacheLog;

namespace JiraAuthFunctions.Caching;

/// <summary>
/// Values fetched from somewhere that can be slow or down (a JWKS URL, Atlassian's install-keys service;
/// later the secret store), held in memory, with the same rules for every user:
/// <list type="bullet">
/// <item>Single flight: at most one fetch per key in flight. Nobody queues behind it: other callers get the
/// held value, or <see cref="CacheStatus.Unavailable"/> at once when nothing usable is held. Only the caller
/// that started a fetch for a key with nothing usable (or asking for an early refresh) waits for it, and its
/// cancellation stops its wait, not the fetch.</item>
/// <item>Back-off: after a failed fetch no key is fetched again before the back-off has passed (exponential,
/// capped); failures are the source's, not one key's, so a dead host is asked once per back-off whatever the load.</item>
/// <item>Early refresh (something the held value lacks, e.g. an unknown kid) at most once per minimum refetch interval.</item>
/// <item>Stale on error for a bounded time: a held value keeps serving for the maximum staleness past its refresh
/// interval while refreshes fail (a warning on each failure, health <see cref="HealthStatus.Degraded"/>), then stops
/// (an error once, health <see cref="HealthStatus.Unhealthy"/>).</item>
/// </list>
/// Why not a library: FusionCache 2.9 has fail-safe and soft timeouts, but on a cold key concurrent callers wait for
/// the factory (no "answer unavailable at once"), its fail-safe throttle is a fixed duration rather than an exponential
/// back-off, and its expirations do not run on our <see cref="TimeProvider"/>; HybridCache has no stale-on-error at all.
/// Each would need wrapping state of our own around it, which is this class.
/// </summary>
/// <remarks>
/// Holds no ASP.NET Core or Azure types: the fetch is a delegate. A store-backed cache (shared secrets, Connect
/// tenants, the signing-key ring) fits the same shape: the fetch reads the store and maps its outage to
/// <see cref="Fetched{TValue}.Failed"/>, and <see cref="Fetched{TValue}.Missing"/> to a name it does not have.
/// </remarks>
public sealed partial class RefreshingCache<TKey, TValue> : IDependencyHealth
    where TKey : notnull
    where TValue : class
{
    private readonly string _name;
    private readonly RefreshingCacheOptions _options;
    private readonly TimeSpan _usableFor;
    private readonly Func<TKey, CancellationToken, Task<Fetched<TValue>>> _fetch;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly JiraAuthMetrics? _metrics;
    private readonly ConcurrentDictionary<TKey, Entry> _entries;

    // Source-wide state (failures are the host's, not one key's), under _lock.
    private readonly Lock _lock = new();
    private int _failures;
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _failingSince;
    private string? _lastFailure;
    private DateTimeOffset _coldWindowStart = DateTimeOffset.MinValue;
    private int _coldFetchesInWindow;

    /// <param name="name">The health and metrics name, e.g. <c>jwks:forge</c> or <c>install-keys:acme</c>: stable, never a secret.</param>
    /// <param name="fetch">Fetches one key's value. Returns failures rather than throwing; the token carries the fetch timeout.</param>
    public RefreshingCache(
        string name,
        RefreshingCacheOptions options,
        Func<TKey, CancellationToken, Task<Fetched<TValue>>> fetch,
        TimeProvider timeProvider,
        ILogger logger,
        JiraAuthMetrics? metrics = null,
        IEqualityComparer<TKey>? comparer = null)
    {
        options.Validate();
        _name = name;
        _options = options;
        _usableFor = options.UsableFor;
        _fetch = fetch;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _entries = new ConcurrentDictionary<TKey, Entry>(comparer);
    }

    /// <summary>
    /// The value for <paramref name="key"/>. Served from memory while fresh; otherwise see the class rules.
    /// With <paramref name="refreshEarly"/> (the held value lacks what the caller needs), a fresh value is
    /// refetched too, at most once per minimum refetch interval, and this caller waits for that fetch.
    /// </summary>
    public ValueTask<CacheResult<TValue>> GetAsync(TKey key, bool refreshEarly = false, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var entry = GetEntry(key);
        var held = entry.Held;
        if (held is not null && !refreshEarly && now - held.At < FreshFor(held))
        {
            _metrics?.KeyCache(_name, "hit");
            return new(Answer(entry, held, now, pending: false));
        }

        return GetSlowAsync(entry, key, refreshEarly, now, cancellationToken);
    }

    private async ValueTask<CacheResult<TValue>> GetSlowAsync(Entry entry, TKey key, bool refreshEarly, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Held? held;
        Task? fetch;
        TaskCompletionSource? started = null;
        lock (entry.Lock)
        {
            held = entry.Held;
            fetch = entry.InFlight;
            if (fetch is null && MayFetch(entry, held, refreshEarly, now))
            {
                started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                fetch = entry.InFlight = started.Task;
            }
        }

        var usable = held is not null && now - held.At < UsableFor(held);
        if (started is null)
        {
            var answer = Answer(entry, held, now, pending: fetch is not null);
            _metrics?.KeyCache(_name, answer.Status switch { CacheStatus.Stale => "stale", CacheStatus.Unavailable => "unavailable", _ => "hit" });
            return answer;
        }

        // Started outside the lock: the fetch's synchronous part must not run under it.
        _ = RunFetchAsync(entry, key, started);
        if (usable && !refreshEarly)
        {
            // The held value serves; the refresh runs beside the request, not in front of it.
            _metrics?.KeyCache(_name, "stale");
            return Answer(entry, held, now, pending: true);
        }

        _metrics?.KeyCache(_name, "miss");
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Answer(entry, entry.Held, _timeProvider.GetUtcNow(), pending: false);
    }

    // Under entry.Lock: whether this caller may start a fetch now (and if so, counts it).
    private bool MayFetch(Entry entry, Held? held, bool refreshEarly, DateTimeOffset now)
    {
        var fresh = held is not null && now - held.At < FreshFor(held);
        if (fresh && (!refreshEarly || held!.Value is null || now - entry.LastAttempt < _options.MinRefetchInterval))
        {
            return false;
        }

        var cold = held?.Value is null;
        lock (_lock)
        {
            if (now < _retryAt)
            {
                return false;
            }

            if (cold && _options.MaxColdFetchesPerInterval != int.MaxValue)
            {
                if (now - _coldWindowStart >= _options.MinRefetchInterval)
                {
                    _coldWindowStart = now;
                    _coldFetchesInWindow = 0;
                }

                if (_coldFetchesInWindow >= _options.MaxColdFetchesPerInterval)
                {
                    return false;
                }

                _coldFetchesInWindow++;
            }
        }

        entry.LastAttempt = now;
        return true;
    }

    private async Task RunFetchAsync(Entry entry, TKey key, TaskCompletionSource done)
    {
        Fetched<TValue> fetched;
        try
        {
            using var timeout = new CancellationTokenSource(_options.FetchTimeout, _timeProvider);
            fetched = await _fetch(key, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever the fetch throws, the entry must leave "in flight" and the failure must count.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            fetched = Fetched<TValue>.Failed(ex.GetType().Name);
        }

        var now = _timeProvider.GetUtcNow();
        Held? held;
        lock (entry.Lock)
        {
            if (!fetched.IsFailure)
            {
                entry.Held = new Held(fetched.Value, now);
                entry.ExpiryLogged = false;
            }

            held = entry.Held;
            entry.InFlight = null;
        }

        if (fetched.IsFailure)
        {
            RecordFailure(held, fetched.Failure!, now);
        }
        else
        {
            RecordSuccess(now, fetched.Value is null);
        }

        done.SetResult();
    }

    private void RecordSuccess(DateTimeOffset now, bool missing)
    {
        int failures;
        lock (_lock)
        {
            failures = _failures;
            _failures = 0;
            _retryAt = DateTimeOffset.MinValue;
            _failingSince = null;
            _lastFailure = null;
            _lastSuccess = now;
        }

        _metrics?.KeyFetch(_name, missing ? "not_found" : "ok");
        if (failures > 0)
        {
            Log.FetchRecovered(_logger, _name, failures);
        }
    }

    private void RecordFailure(Held? held, string reason, DateTimeOffset now)
    {
        TimeSpan backoff;
        lock (_lock)
        {
            _failures++;
            backoff = _options.BackoffAfter(_failures);
            _retryAt = now + backoff;
            _failingSince ??= now;
            _lastFailure = reason;
        }

        _metrics?.KeyFetch(_name, "failed");
        if (held?.Value is not null && now - held.At < _usableFor && _usableFor != RefreshingCacheOptions.Never)
        {
            Log.ServingStale(_logger, _name, reason, held.At, held.At + _usableFor, backoff);
        }
    }

    // What a caller gets for what is held; logs once when a held value runs out of staleness.
    private CacheResult<TValue> Answer(Entry entry, Held? held, DateTimeOffset now, bool pending)
    {
        if (held is null)
        {
            return new(null, CacheStatus.Unavailable, pending);
        }

        var age = now - held.At;
        if (held.Value is null)
        {
            // A "not found" is believed for the minimum refetch interval; after it, unknown until asked again.
            return new(null, age < _options.MinRefetchInterval ? CacheStatus.Missing : CacheStatus.Unavailable, pending);
        }

        if (age < _options.RefreshInterval)
        {
            return new(held.Value, CacheStatus.Fresh, pending);
        }

        if (age < _usableFor)
        {
            return new(held.Value, CacheStatus.Stale, pending);
        }

        if (!entry.ExpiryLogged)
        {
            entry.ExpiryLogged = true;
            Log.HeldExpired(_logger, _name, held.At, _options.MaxStaleness);
        }

        return new(null, CacheStatus.Unavailable, pending);
    }

    private TimeSpan FreshFor(Held held) => held.Value is null ? _options.MinRefetchInterval : _options.RefreshInterval;

    private TimeSpan UsableFor(Held held) => held.Value is null ? _options.MinRefetchInterval : _usableFor;

    private Entry GetEntry(TKey key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        if (_entries.Count >= _options.MaxEntries)
        {
            Trim();
        }

        return _entries.GetOrAdd(key, static _ => new Entry());
    }

    // Keys holding no value (a "not found", a failure) go first; if that is not enough, every key not in flight.
    private void Trim()
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Held?.Value is null && entry.InFlight is null)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= _options.MaxEntries)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.InFlight is null)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }

    /// <param name="Value">The value, or null for the source's "not found".</param>
    /// <param name="At">When the source gave this answer.</param>
    private sealed record Held(TValue? Value, DateTimeOffset At);

    private sealed class Entry
    {
        public readonly Lock Lock = new();
        public volatile Held? Held;
        public Task? InFlight;
        public DateTimeOffset LastAttempt = DateTimeOffset.MinValue;
        public bool ExpiryLogged;
    }
}
