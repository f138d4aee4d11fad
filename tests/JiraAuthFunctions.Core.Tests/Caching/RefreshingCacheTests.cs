using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Core.Tests.Caching;

/// <summary>
/// The cache's own rules with a fetch the test answers (the key sources' tests cover the same rules over
/// real HTTP): what a full cache drops, a fetch that throws, and the metrics.
/// </summary>
public sealed class RefreshingCacheTests : IDisposable
{
    private static readonly RefreshingCacheOptions Keyed = new()
    {
        RefreshInterval = RefreshingCacheOptions.Never,
        MinRefetchInterval = TimeSpan.FromSeconds(2),
        MaxStaleness = RefreshingCacheOptions.Never,
        MaxEntries = 3,
    };

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly SignalLogger<RefreshingCacheTests> _log = new();
    private readonly TestMeterFactory _meters = new();
    private readonly ConcurrentQueue<string> _fetched = new();
    private readonly ConcurrentBag<(string Instrument, string Result)> _measured = [];
    private readonly MeterListener _listener = new();
    private Func<string, Fetched<string>> _answer = key => Fetched<string>.Found("value-of-" + key);

    public RefreshingCacheTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Created.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key is "result" or "outcome")
                {
                    _measured.Add((instrument.Name, (string)tag.Value!));
                }
            }
        });
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    private static readonly RefreshingCacheOptions Stored = new()
    {
        RefreshInterval = TimeSpan.FromMinutes(5),
        MinRefetchInterval = TimeSpan.FromSeconds(30),
        MaxStaleness = TimeSpan.FromHours(1),
        FailureBackoff = TimeSpan.FromSeconds(30),
        MaxFailureBackoff = TimeSpan.FromSeconds(30),
        WaitForRefresh = true,
    };

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private TaskCompletionSource? _gate;

    private RefreshingCache<string, string> Cache(RefreshingCacheOptions options, JiraAuthMetrics? metrics = null) =>
        new("test", options, async (key, _) =>
        {
            _fetched.Enqueue(key);
            if (_gate is { } gate)
            {
                await gate.Task;
            }

            return _answer(key);
        }, _time, _log, metrics, StringComparer.Ordinal);

    [Fact]
    public async Task Twenty_concurrent_callers_of_a_cold_key_cause_one_fetch_and_all_get_the_value_when_waiting()
    {
        var cache = Cache(Stored);
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var lookups = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("a").AsTask()).ToList();
        Assert.All(lookups, l => Assert.False(l.IsCompleted));
        _gate.SetResult();
        await Task.WhenAll(lookups).WaitAsync(Generous);

        Assert.Single(_fetched);
        Assert.All(lookups, l => Assert.Equal("value-of-a", l.Result.Value));
    }

    [Fact]
    public async Task Without_waiting_one_caller_waits_for_a_cold_fetch_and_the_others_are_answered_at_once()
    {
        var cache = Cache(Stored with { WaitForRefresh = false });
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = cache.GetAsync("a").AsTask();
        var others = await Task.WhenAll(Enumerable.Range(0, 19).Select(_ => cache.GetAsync("a").AsTask()));
        _gate.SetResult();

        Assert.All(others, o => Assert.Equal(CacheStatus.Unavailable, o.Status));
        Assert.All(others, o => Assert.True(o.Pending));
        Assert.Equal("value-of-a", (await first.WaitAsync(Generous)).Value);
        Assert.Single(_fetched);
    }

    [Fact]
    public async Task A_due_value_is_read_again_in_front_of_the_caller_when_waiting_and_beside_it_otherwise()
    {
        var waiting = Cache(Stored);
        var beside = Cache(Stored with { WaitForRefresh = false });
        await waiting.GetAsync("a");
        await beside.GetAsync("b");
        _answer = key => Fetched<string>.Found("new-value-of-" + key);
        _time.Advance(Stored.RefreshInterval);

        Assert.Equal("new-value-of-a", (await waiting.GetAsync("a")).Value);
        var served = await beside.GetAsync("b");
        Assert.Equal("value-of-b", served.Value);
        Assert.Equal(CacheStatus.Stale, served.Status);
    }

    [Fact]
    public async Task A_held_value_serves_while_reads_fail_within_the_bound_and_is_refused_after()
    {
        var cache = Cache(Stored);
        await cache.GetAsync("a");
        _answer = _ => Fetched<string>.Failed("store_down");

        _time.Advance(Stored.RefreshInterval + Stored.MaxStaleness - TimeSpan.FromSeconds(1));
        var stale = await cache.GetAsync("a");
        Assert.Equal((CacheStatus.Stale, "value-of-a"), (stale.Status, stale.Value));
        Assert.Equal(1, _log.Count(EventIds.KeysServedStale));
        Assert.Equal(HealthStatus.Degraded, (await cache.CheckAsync()).Status);

        _time.Advance(TimeSpan.FromSeconds(1));
        var refused = await cache.GetAsync("a");
        Assert.Equal(CacheStatus.Unavailable, refused.Status);
        Assert.Null(refused.Value);
        Assert.Equal(1, _log.Count(EventIds.KeysExpired));
        Assert.Equal(HealthStatus.Unhealthy, (await cache.CheckAsync()).Status);
        Assert.Equal(2, _fetched.Count); // the second lookup came within the 30 s back-off: no read

        _answer = key => Fetched<string>.Found("value-of-" + key);
        _time.Advance(Stored.FailureBackoff);
        Assert.Equal(CacheStatus.Fresh, (await cache.GetAsync("a")).Status);
        Assert.Equal(1, _log.Count(EventIds.KeyFetchRecovered));
    }

    [Fact]
    public async Task An_unknown_key_is_read_at_most_n_times_per_interval_across_keys_then_throttled()
    {
        var cache = Cache(Stored with { MaxColdFetchesPerInterval = 2, MaxEntries = int.MaxValue });
        _answer = _ => Fetched<string>.Missing;

        var answers = new List<CacheStatus>();
        for (var i = 0; i < 50; i++)
        {
            answers.Add((await cache.GetAsync($"made-up-{i}")).Status);
        }

        Assert.Equal([CacheStatus.Missing, CacheStatus.Missing], answers.Take(2));
        Assert.All(answers.Skip(2), a => Assert.Equal(CacheStatus.Throttled, a));
        Assert.Equal(2, _fetched.Count);
        Assert.Equal(CacheStatus.Missing, (await cache.GetAsync("made-up-0")).Status); // believed for the interval: no read

        _time.Advance(Stored.MinRefetchInterval);
        Assert.Equal(CacheStatus.Missing, (await cache.GetAsync("made-up-7")).Status);
        Assert.Equal(3, _fetched.Count);
    }

    [Fact]
    public async Task A_held_value_lacking_a_key_is_read_early_at_most_once_per_interval()
    {
        var cache = Cache(Stored);
        await cache.GetAsync("a");
        _time.Advance(Stored.MinRefetchInterval);

        for (var i = 0; i < 20; i++)
        {
            await cache.GetAsync("a", static (value, kid) => !value.Contains(kid, StringComparison.Ordinal), "kid-1");
        }

        Assert.Equal(2, _fetched.Count);
        _time.Advance(Stored.MinRefetchInterval);
        await cache.GetAsync("a", static (value, kid) => !value.Contains(kid, StringComparison.Ordinal), "kid-1");
        Assert.Equal(3, _fetched.Count);
    }

    [Fact]
    public async Task A_value_set_is_held_and_a_removed_key_is_read_again()
    {
        var cache = Cache(Stored);
        cache.Set("a", "written");
        Assert.Equal("written", (await cache.GetAsync("a")).Value);
        Assert.Empty(_fetched);

        cache.Remove("a");
        Assert.Equal("value-of-a", (await cache.GetAsync("a")).Value);
        Assert.Single(_fetched);
    }

    [Fact]
    public async Task The_intervals_come_from_settings_and_bad_settings_are_named_by_their_full_key()
    {
        var settings = new CacheSettings
        {
            RefreshInterval = TimeSpan.FromMinutes(10),
            MinRefetchInterval = TimeSpan.FromSeconds(5),
            MaxStaleness = TimeSpan.FromMinutes(30),
            FailureBackoff = TimeSpan.FromSeconds(2),
            MaxFailureBackoff = TimeSpan.FromSeconds(8),
            FetchTimeout = TimeSpan.FromSeconds(3),
        };
        var errors = new List<string>();
        settings.Check("Inbound:SharedSecretCache", errors);
        Assert.Empty(errors);
        var cache = Cache(settings.ToOptions() with { WaitForRefresh = true });
        await cache.GetAsync("a");

        _time.Advance(TimeSpan.FromMinutes(5));
        await cache.GetAsync("a");
        Assert.Single(_fetched); // 5 minutes is not due at a 10-minute refresh
        _time.Advance(TimeSpan.FromMinutes(5));
        await cache.GetAsync("a");
        Assert.Equal(2, _fetched.Count);

        (settings with { RefreshInterval = TimeSpan.Zero, MinRefetchInterval = TimeSpan.FromHours(1), MaxStaleness = TimeSpan.FromDays(8), MaxFailureBackoff = TimeSpan.FromSeconds(1), FetchTimeout = TimeSpan.Zero })
            .Check("Inbound:SharedSecretCache", errors);
        Assert.Equal(
            [
                "Inbound:SharedSecretCache:RefreshInterval must be between 00:00:01 and 1.00:00:00; it is 00:00:00.",
                "Inbound:SharedSecretCache:MinRefetchInterval must be at least 00:00:01 and at most Inbound:SharedSecretCache:RefreshInterval; it is 01:00:00.",
                "Inbound:SharedSecretCache:MaxStaleness must be between 00:00:00 and 7.00:00:00; it is 8.00:00:00.",
                "Inbound:SharedSecretCache:MaxFailureBackoff must be at least Inbound:SharedSecretCache:FailureBackoff and at most 01:00:00; it is 00:00:01.",
                "Inbound:SharedSecretCache:FetchTimeout must be between 00:00:01 and 00:05:00; it is 00:00:00.",
            ],
            errors);
    }

    [Fact]
    public async Task A_full_cache_drops_keys_without_a_value_first()
    {
        var cache = Cache(Keyed);
        _answer = key => key.StartsWith("bogus", StringComparison.Ordinal) ? Fetched<string>.Missing : Fetched<string>.Found("value-of-" + key);
        await cache.GetAsync("a");
        await cache.GetAsync("b");
        Assert.Equal(CacheStatus.Missing, (await cache.GetAsync("bogus-1")).Status);

        Assert.Equal("value-of-d", (await cache.GetAsync("d")).Value);
        Assert.Equal("value-of-a", (await cache.GetAsync("a")).Value);
        Assert.Equal("value-of-b", (await cache.GetAsync("b")).Value);

        Assert.Equal(["a", "b", "bogus-1", "d"], _fetched);
    }

    [Fact]
    public async Task A_fetch_that_throws_counts_as_a_failure_and_does_not_stay_in_flight()
    {
        var cache = Cache(Keyed);
        _answer = _ => throw new InvalidOperationException("a bug in a fetch");

        Assert.Equal(CacheStatus.Unavailable, (await cache.GetAsync("a")).Status);
        var health = await cache.CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains(nameof(InvalidOperationException), health.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("a bug in a fetch", health.Detail, StringComparison.Ordinal);

        _answer = key => Fetched<string>.Found("value-of-" + key);
        _time.Advance(RefreshingCacheOptions.DefaultFailureBackoff);
        Assert.Equal(CacheStatus.Fresh, (await cache.GetAsync("a")).Status);
        Assert.Equal(2, _fetched.Count);
    }

    [Fact]
    public async Task Hits_misses_and_fetch_outcomes_are_counted()
    {
        using var metrics = new JiraAuthMetrics(_meters);
        var cache = Cache(Keyed with { MaxColdFetchesPerInterval = 1 }, metrics);
        _answer = key => key == "gone" ? Fetched<string>.Missing : Fetched<string>.Found("value-of-" + key);

        await cache.GetAsync("a");   // miss, fetched ok
        await cache.GetAsync("a");   // hit
        await cache.GetAsync("b");   // unavailable: one cold fetch per interval
        _time.Advance(Keyed.MinRefetchInterval);
        await cache.GetAsync("gone"); // miss, not found
        _time.Advance(Keyed.MinRefetchInterval);
        _answer = _ => Fetched<string>.Failed("http_503");
        await cache.GetAsync("c");   // miss, failed

        var cached = _measured.Where(m => m.Instrument == "jiraauth.keys.cache").Select(m => m.Result).Order().ToList();
        var fetches = _measured.Where(m => m.Instrument == "jiraauth.keys.fetches").Select(m => m.Result).Order().ToList();
        Assert.Equal(["hit", "miss", "miss", "miss", "unavailable"], cached);
        Assert.Equal(["failed", "not_found", "ok"], fetches);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public ConcurrentBag<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
