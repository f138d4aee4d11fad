using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Core.Tests.Inbound;

public class MemoryReplayCacheTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = Clock.Create();

    [Fact]
    public async Task Jti_is_accepted_once_until_it_expires()
    {
        var cache = new MemoryReplayCache(_time);
        var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(5);

        Assert.True(await cache.TryAddAsync("demo", "jti-1", expires));
        Assert.False(await cache.TryAddAsync("demo", "jti-1", expires));
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(await cache.TryAddAsync("demo", "jti-1", expires));
    }

    [Fact]
    public async Task Expiry_lets_a_jti_be_reused_after_exp()
    {
        var cache = new MemoryReplayCache(_time);
        Assert.True(await cache.TryAddAsync("demo", "jti-1", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(await cache.TryAddAsync("demo", "jti-1", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        // And the new entry protects again.
        Assert.False(await cache.TryAddAsync("demo", "jti-1", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Integrations_do_not_share_jtis()
    {
        var cache = new MemoryReplayCache(_time);
        var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(5);

        Assert.True(await cache.TryAddAsync("demo", "jti-1", expires));
        Assert.True(await cache.TryAddAsync("other", "jti-1", expires));
        Assert.True(await cache.TryAddAsync("demo", "jti-2", expires));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public async Task Expired_entries_are_swept_so_memory_is_bounded_by_live_tokens()
    {
        var cache = new MemoryReplayCache(_time);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await cache.TryAddAsync("demo", $"short-{i}", _time.GetUtcNow() + TimeSpan.FromSeconds(30)));
        }

        Assert.True(await cache.TryAddAsync("demo", "long", _time.GetUtcNow() + TimeSpan.FromHours(1)));
        Assert.Equal(101, cache.Count);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await cache.TryAddAsync("demo", "trigger", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));

        Assert.Equal(2, cache.Count);
        Assert.False(await cache.TryAddAsync("demo", "long", _time.GetUtcNow() + TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task Sweep_runs_at_most_once_a_minute()
    {
        var cache = new MemoryReplayCache(_time);
        Assert.True(await cache.TryAddAsync("demo", "first", _time.GetUtcNow() + TimeSpan.FromSeconds(10))); // sweeps (nothing), next in 1 min
        Assert.True(await cache.TryAddAsync("demo", "short", _time.GetUtcNow() + TimeSpan.FromSeconds(10)));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await cache.TryAddAsync("demo", "x", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        Assert.Equal(3, cache.Count); // expired entries still held: no sweep yet

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await cache.TryAddAsync("demo", "y", _time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public async Task Concurrent_adds_of_the_same_jti_let_exactly_one_through()
    {
        for (var round = 0; round < 20; round++)
        {
            var cache = new MemoryReplayCache(_time);
            var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(5);
            using var start = new ManualResetEventSlim();
            var tasks = Enumerable.Range(0, 32)
                .Select(_ => Task.Run(async () =>
                {
                    start.Wait();
                    return await cache.TryAddAsync("demo", "same-jti", expires);
                }))
                .ToArray();

            start.Set();
            var results = await Task.WhenAll(tasks);

            Assert.Equal(1, results.Count(r => r));
        }
    }

    [Fact]
    public async Task Concurrent_reuse_of_an_expired_jti_lets_exactly_one_through()
    {
        for (var round = 0; round < 20; round++)
        {
            var cache = new MemoryReplayCache(_time);
            var jti = $"jti-{round}";
            Assert.True(await cache.TryAddAsync("demo", jti, _time.GetUtcNow() + TimeSpan.FromSeconds(1)));
            _time.Advance(TimeSpan.FromSeconds(2));
            var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(5);
            using var start = new ManualResetEventSlim();
            var tasks = Enumerable.Range(0, 32)
                .Select(_ => Task.Run(async () =>
                {
                    start.Wait();
                    return await cache.TryAddAsync("demo", jti, expires);
                }))
                .ToArray();

            start.Set();
            var results = await Task.WhenAll(tasks);

            Assert.Equal(1, results.Count(r => r));
        }
    }
}
