using System.Collections.Concurrent;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Log = JiraAuthFunctions.Caching.RefreshingCacheLog;

namespace JiraAuthFunctions.Caching;

/// <summary>
/// Values read from somewhere that can be slow or down (a JWKS URL, Atlassian's install-keys service, the secret
/// store: shared secrets, Connect tenants, the signing-key ring), held in memory, with the same rules for every user:
/// <list type="bullet">
/// <item>Single flight: at most one fetch per key in flight. With <see cref="RefreshingCacheOptions.WaitForRefresh"/>
/// (store-backed sources) every caller that needs it waits for that one fetch; without (URL-backed keys) nobody
/// queues behind it: other callers get the held value, or <see cref="CacheStatus.Unavailable"/> at once when nothing
/// usable is held. A caller's cancellation stops its wait, not the fetch.</item>
/// <item>Back-off: after a failed fetch no key is fetched again before the back-off has passed (exponential,
/// capped); failures are the source's, not one key's, so a dead host is asked once per back-off whatever the load.</item>
/// <item>Early refresh (something the held value lacks, e.g. an unknown kid) at most once per minimum refetch interval;
/// keys with nothing held fetched at most <see cref="RefreshingCacheOptions.MaxColdFetchesPerInterval"/> times per
/// interval across all keys (<see cref="CacheStatus.Throttled"/> beyond), so made-up keys cannot become traffic.</item>
/// <item>Stale on error for a bounded time: a held value keeps serving for the maximum staleness past its refresh
/// interval while refreshes fail (a warning on each failure, health <see cref="HealthStatus.Degraded"/>), then stops
/// (an error once, health <see cref="HealthStatus.Unhealthy"/>).</item>
/// <item>Every lookup counted (<c>jiraauth.keys.cache</c>, tags <c>cache</c> and <c>result</c>); health per source.</item>
/// </list>
/// Why our own and not a library (evaluated 2026-12, docs/caching.md): FusionCache 2.9 has fail-safe (stale on error
/// up to FailSafeMaxDuration), stampede protection and factory timeouts, but it reads the system clock (no
/// <see cref="TimeProvider"/>, so no FakeTimeProvider tests of staleness), cannot answer "unavailable at once" to a
/// caller while a cold key is being fetched, throttles after a failure for a fixed duration rather than an exponential
/// back-off, has no limit on fetches of unknown keys across keys, and keeps no per-source health (last success, failing
/// since); its log lines carry its own event ids. HybridCache 10 has stampede protection only (no stale on error).
/// Each would need wrapping state of our own for the rest, which is most of this class.
/// </summary>
/// <remarks>
/// Holds no ASP.NET Core or Azure types: the fetch is a delegate. A store-backed fetch reads the store and maps its
/// outage to <see cref="Fetched{TValue}.Failed"/> (or throws), and a name it does not have to <see cref="Fetched{TValue}.Missing"/>.
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
    private readonly string? _secretKind;
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
    /// <param name="fetch">Fetches one key's value. Returns failures rather than throwing (a throw counts as a failure named by its type); the token carries the fetch timeout.</param>
    /// <param name="secretKind">For a cache of secret-store values: its <see cref="Secrets.SecretKinds"/> value, so lookups are counted in <c>jiraauth.secrets.cache</c> too.</param>
    public RefreshingCache(
        string name,
        RefreshingCacheOptions options,
        Func<TKey, CancellationToken, Task<Fetched<TValue>>> fetch,
        TimeProvider timeProvider,
        ILogger logger,
        JiraAuthMetrics? metrics = null,
        IEqualityComparer<TKey>? comparer = null,
        string? secretKind = null)
    {
        options.Validate();
        _name = name;
        _options = options;
        _usableFor = options.UsableFor;
        _fetch = fetch;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _secretKind = secretKind;
        _entries = new ConcurrentDictionary<TKey, Entry>(comparer);
    }

    /// <summary>The health and metrics name.</summary>
    public string Name => _name;

    /// <summary>How often a value lacking something, or a key not held, may be fetched.</summary>
    public TimeSpan MinRefetchInterval => _options.MinRefetchInterval;

    /// <summary>
    /// The value for <paramref name="key"/>. Served from memory while fresh; otherwise see the class rules.
    /// With <paramref name="refreshEarly"/> (the held value lacks what the caller needs), a fresh value is
    /// refetched too, at most once per minimum refetch interval, and this caller waits for that fetch.
    /// </summary>
    public ValueTask<CacheResult<TValue>> GetAsync(TKey key, bool refreshEarly = false, CancellationToken cancellationToken = default) =>
        GetAsync(key, static (_, early) => early, refreshEarly, cancellationToken);

    /// <summary>
    /// As <see cref="GetAsync(TKey, bool, CancellationToken)"/>, refreshing early when <paramref name="refreshIf"/> says
    /// the held value lacks what the caller needs (e.g. a kid it does not hold): one lookup, counted once, and
    /// no allocation on the hot path (the state, e.g. the kid, is passed rather than captured).
    /// </summary>
    public ValueTask<CacheResult<TValue>> GetAsync<TState>(TKey key, Func<TValue, TState, bool> refreshIf, TState state, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var entry = GetEntry(key);
        var held = entry.Held;
        if (held is not null && now - held.At < FreshFor(held) && !NeedsEarlyRefresh(held, refreshIf, state))
        {
            Count("hit");
            return new(Answer(entry, held, now, pending: false, throttled: false));
        }

        return GetSlowAsync(key, entry, refreshIf, state, now, cancellationToken);
    }

    private async ValueTask<CacheResult<TValue>> GetSlowAsync<TState>(TKey key, Entry entry, Func<TValue, TState, bool> refreshIf, TState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Held? held = null;
        Task? fetch = null;
        TaskCompletionSource? started = null;
        var refusal = Refusal.None;
        var early = false;
        while (true)
        {
            lock (entry.Lock)
            {
                if (!entry.Removed)
                {
                    held = entry.Held;
                    early = NeedsEarlyRefresh(held, refreshIf, state);
                    fetch = entry.InFlight;
                    if (fetch is null)
                    {
                        refusal = MayFetch(entry, held, early, now);
                        if (refusal == Refusal.None)
                        {
                            started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            fetch = entry.InFlight = started.Task;
                        }
                        else if (CarriesNothing(held, now))
                        {
                            // Nothing to remember for this key: a flood of made-up keys leaves no entries behind.
                            entry.Removed = true;
                            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
                        }
                    }

                    break;
                }
            }

            entry = GetEntry(key);
        }

        var usable = held is { Value: not null } && now - held.At < _usableFor;
        if (started is not null)
        {
            if (held?.Value is null)
            {
                DropExpiredMisses(now);
            }

            // Started outside the lock: the fetch's synchronous part must not run under it.
            _ = RunFetchAsync(entry, key, started);
        }

        var wait = started is not null ? _options.WaitForRefresh || !usable || early : fetch is not null && _options.WaitForRefresh;
        if (!wait)
        {
            var answer = Answer(entry, held, now, pending: fetch is not null, throttled: refusal == Refusal.Throttled);

            // Started and not waited for: the held value serves while the refresh runs beside the request.
            Count(started is not null ? "stale" : answer.Status switch { CacheStatus.Stale => "stale", CacheStatus.Unavailable or CacheStatus.Throttled => "unavailable", _ => "hit" });
            return answer;
        }

        Count("miss");
        await fetch!.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Answer(entry, entry.Held, _timeProvider.GetUtcNow(), pending: false, throttled: false);
    }

    private static bool NeedsEarlyRefresh<TState>(Held? held, Func<TValue, TState, bool> refreshIf, TState state) =>
        held?.Value is { } value && refreshIf(value, state);

    // Under entry.Lock: whether this caller may start a fetch now (and if so, counts it), or why not.
    private Refusal MayFetch(Entry entry, Held? held, bool early, DateTimeOffset now)
    {
        var fresh = held is not null && now - held.At < FreshFor(held);
        if (fresh && (!early || now - entry.LastAttempt < _options.MinRefetchInterval))
        {
            return Refusal.NotDue;
        }

        var cold = held?.Value is null;
        lock (_lock)
        {
            if (now < _retryAt)
            {
                return Refusal.BackingOff;
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
                    return Refusal.Throttled;
                }

                _coldFetchesInWindow++;
            }
        }

        entry.LastAttempt = now;
        return Refusal.None;
    }

    // Nothing held, or a "not found" no longer believed: the entry tells nothing.
    private bool CarriesNothing(Held? held, DateTimeOffset now) =>
        held is null || (held.Value is null && now - held.At >= _options.MinRefetchInterval);

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
    private CacheResult<TValue> Answer(Entry entry, Held? held, DateTimeOffset now, bool pending, bool throttled)
    {
        if (CarriesNothing(held, now))
        {
            // A "not found" is believed for the minimum refetch interval; after it, unknown until fetched again.
            return new(null, throttled ? CacheStatus.Throttled : CacheStatus.Unavailable, pending);
        }

        var age = now - held!.At;
        if (held.Value is null)
        {
            return new(null, CacheStatus.Missing, pending);
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

    private void Count(string result)
    {
        _metrics?.KeyCache(_name, result);
        if (_secretKind is not null)
        {
            _metrics?.SecretCache(_secretKind, hit: result == "hit");
        }
    }

    private enum Refusal
    {
        None,
        NotDue,
        BackingOff,
        Throttled,
    }
}
