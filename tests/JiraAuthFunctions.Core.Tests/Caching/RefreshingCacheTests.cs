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

    private RefreshingCache<string, string> Cache(RefreshingCacheOptions options, JiraAuthMetrics? metrics = null) =>
        new("test", options, (key, _) =>
        {
            _fetched.Enqueue(key);
            return Task.FromResult(_answer(key));
        }, _time, _log, metrics, StringComparer.Ordinal);

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
