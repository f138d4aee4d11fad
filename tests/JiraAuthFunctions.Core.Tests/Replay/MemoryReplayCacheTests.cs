using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Core.Tests.Replay;

/// <summary>
/// The in-process replay store: the shared contract (<see cref="ReplayStoreContract"/>: accept once,
/// reservations, races, expiry, sweep), and its own sweep on requests, which bounds memory by the live tokens.
/// </summary>
public sealed class MemoryReplayCacheTests : ReplayStoreContract
{
    private readonly MemoryReplayCache _cache;

    public MemoryReplayCacheTests() => _cache = new MemoryReplayCache(Time);

    protected override IReplayCache Instance() => _cache;

    protected override Task<int> CountAsync() => Task.FromResult(_cache.Count);

    [Fact]
    public async Task Expired_entries_are_swept_by_requests_so_memory_is_bounded_by_live_tokens()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await _cache.TryAddAsync("demo", $"short-{i}", Time.GetUtcNow() + TimeSpan.FromSeconds(30)));
        }

        Assert.True(await _cache.TryAddAsync("demo", "long", Time.GetUtcNow() + TimeSpan.FromHours(1)));
        Assert.Equal(101, _cache.Count);

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await _cache.TryAddAsync("demo", "trigger", Time.GetUtcNow() + TimeSpan.FromMinutes(5)));

        Assert.Equal(2, _cache.Count);
        Assert.False(await _cache.TryAddAsync("demo", "long", Time.GetUtcNow() + TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task A_lapsed_hold_swept_by_a_request_is_renewed_and_committed()
    {
        var renewed = (await _cache.TryReserveAsync("demo", "jti-1", Time.GetUtcNow() + TimeSpan.FromHours(1)))!;
        var swept = (await _cache.TryReserveAsync("demo", "jti-2", Time.GetUtcNow() + TimeSpan.FromHours(1)))!;
        Time.Advance(ReplayReservation.PendingHold + TimeSpan.FromMinutes(1));
        Assert.True(await _cache.TryAddAsync("demo", "trigger-sweep", Time.GetUtcNow() + TimeSpan.FromHours(1)));
        Assert.Equal(1, _cache.Count);

        Assert.True(await renewed.RenewAsync());
        Assert.True(await swept.CommitAsync());
        Assert.Null(await _cache.TryReserveAsync("demo", "jti-1", Time.GetUtcNow() + TimeSpan.FromHours(1)));
        Assert.Null(await _cache.TryReserveAsync("demo", "jti-2", Time.GetUtcNow() + TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task Sweep_on_requests_runs_at_most_once_a_minute()
    {
        Assert.True(await _cache.TryAddAsync("demo", "first", Time.GetUtcNow() + TimeSpan.FromSeconds(10))); // sweeps (nothing), next in 1 min
        Assert.True(await _cache.TryAddAsync("demo", "short", Time.GetUtcNow() + TimeSpan.FromSeconds(10)));

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await _cache.TryAddAsync("demo", "x", Time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        Assert.Equal(3, _cache.Count); // expired entries still held: no sweep yet

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await _cache.TryAddAsync("demo", "y", Time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        Assert.Equal(2, _cache.Count);
    }
}
