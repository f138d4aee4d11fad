using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Core.Tests.Inbound;

/// <summary>
/// A jti held for a request under way (<see cref="IReplayCache.TryReserveAsync"/>): a second use is
/// refused while it is held; a commit records it until the token expires; a release, or a hold that
/// is never settled, frees it (the latter after <see cref="ReplayReservation.PendingHold"/> only).
/// </summary>
public sealed class MemoryReplayReservationTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = Clock.Create();

    private DateTimeOffset InAnHour => _time.GetUtcNow() + TimeSpan.FromHours(1);

    [Fact]
    public async Task A_held_jti_is_refused_to_a_second_use_and_to_TryAdd()
    {
        var cache = new MemoryReplayCache(_time);

        var held = await cache.TryReserveAsync("demo", "jti-1", InAnHour);

        Assert.NotNull(held);
        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
        Assert.False(await cache.TryAddAsync("demo", "jti-1", InAnHour));
        Assert.NotNull(await cache.TryReserveAsync("other", "jti-1", InAnHour)); // another integration's namespace
    }

    [Fact]
    public async Task A_released_jti_can_be_used_again()
    {
        var cache = new MemoryReplayCache(_time);
        var held = (await cache.TryReserveAsync("demo", "jti-1", InAnHour))!;

        await held.ReleaseAsync();

        Assert.True(held.Settled);
        Assert.NotNull(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_committed_jti_is_refused_until_the_token_expires()
    {
        var cache = new MemoryReplayCache(_time);
        var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(10);
        var held = (await cache.TryReserveAsync("demo", "jti-1", expires))!;

        Assert.True(await held.CommitAsync());
        await held.ReleaseAsync(); // settled: a no-op

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", expires));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.NotNull(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_hold_never_settled_frees_the_jti_after_the_pending_hold_not_at_the_token_expiry()
    {
        var cache = new MemoryReplayCache(_time);
        Assert.NotNull(await cache.TryReserveAsync("demo", "jti-1", InAnHour)); // the request's process dies here

        _time.Advance(ReplayReservation.PendingHold - TimeSpan.FromTicks(1));
        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.NotNull(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_lapsed_hold_taken_by_another_use_can_be_neither_renewed_nor_committed()
    {
        var cache = new MemoryReplayCache(_time);
        var slow = (await cache.TryReserveAsync("demo", "jti-1", InAnHour))!;
        _time.Advance(ReplayReservation.PendingHold);
        var other = (await cache.TryReserveAsync("demo", "jti-1", InAnHour))!;

        Assert.False(await slow.RenewAsync());
        Assert.False(await slow.CommitAsync());

        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", InAnHour)); // still the other's
        Assert.True(await other.CommitAsync());
    }

    [Fact]
    public async Task A_release_of_a_lapsed_hold_does_not_free_another_requests_hold()
    {
        var cache = new MemoryReplayCache(_time);
        var slow = (await cache.TryReserveAsync("demo", "jti-1", InAnHour))!;
        _time.Advance(ReplayReservation.PendingHold);
        Assert.NotNull(await cache.TryReserveAsync("demo", "jti-1", InAnHour));

        await slow.ReleaseAsync();

        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_lapsed_hold_nobody_took_is_renewed_and_committed_even_after_the_sweep()
    {
        var cache = new MemoryReplayCache(_time);
        var renewed = (await cache.TryReserveAsync("demo", "jti-1", InAnHour))!;
        var swept = (await cache.TryReserveAsync("demo", "jti-2", InAnHour))!;
        _time.Advance(ReplayReservation.PendingHold + TimeSpan.FromMinutes(1));
        Assert.True(await cache.TryAddAsync("demo", "trigger-sweep", InAnHour));
        Assert.Equal(1, cache.Count);

        Assert.True(await renewed.RenewAsync());
        Assert.Equal(_time.GetUtcNow() + ReplayReservation.PendingHold, renewed.HeldUntil);
        Assert.True(await swept.CommitAsync());

        Assert.Null(await cache.TryReserveAsync("demo", "jti-1", InAnHour));
        Assert.Null(await cache.TryReserveAsync("demo", "jti-2", InAnHour));
    }

    [Fact]
    public async Task Of_concurrent_reservations_of_one_jti_exactly_one_holds_it()
    {
        for (var round = 0; round < 20; round++)
        {
            var cache = new MemoryReplayCache(_time);
            using var start = new ManualResetEventSlim();
            var tasks = Enumerable.Range(0, 32)
                .Select(_ => Task.Run(async () =>
                {
                    start.Wait();
                    return await cache.TryReserveAsync("demo", "same-jti", InAnHour);
                }))
                .ToArray();

            start.Set();
            var results = await Task.WhenAll(tasks);

            Assert.Single(results, r => r is not null);
        }
    }
}
