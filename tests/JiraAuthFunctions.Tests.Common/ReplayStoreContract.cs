using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// What every replay store (<see cref="IReplayCache"/>) promises, run against each: the in-process
/// <see cref="MemoryReplayCache"/> (Core.Tests) and the shared <c>TableReplayCache</c> on Azurite
/// (Tests). A jti is accepted once until its token expires, per integration; a reservation holds it
/// for a request under way until committed, released, or its hold lapses; of concurrent uses exactly
/// one wins; the sweep drops expired entries only. A subclass says how to make one instance of the
/// app's store; for a shared store each call is another instance on the same data.
/// </summary>
public abstract class ReplayStoreContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));

    private DateTimeOffset InAnHour => Time.GetUtcNow() + TimeSpan.FromHours(1);

    /// <summary>The store as one instance of the app has it (the same one for an in-process store).</summary>
    protected abstract IReplayCache Instance();

    /// <summary>How many entries the store holds (live or not yet swept).</summary>
    protected abstract Task<int> CountAsync();

    /// <summary>The finest step the store keeps times to: expiry is checked one step before and at the instant.</summary>
    protected virtual TimeSpan Resolution => TimeSpan.FromTicks(1);

    /// <summary>Rounds of each race: an in-process store races cheaply, a shared one over the network.</summary>
    protected virtual int RaceRounds => 20;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_jti_is_accepted_once_per_integration_until_it_expires()
    {
        var expires = Time.GetUtcNow() + TimeSpan.FromMinutes(5);

        Assert.True(await Instance().TryAddAsync("ci", "jti-1", expires));
        Assert.False(await Instance().TryAddAsync("ci", "jti-1", expires));
        Assert.True(await Instance().TryAddAsync("ops", "jti-1", expires)); // another integration's namespace
        Assert.True(await Instance().TryAddAsync("ci", "jti-2", expires));
        Assert.True(await Instance().TryAddAsync("ci", "a/b#c?d\\e", expires)); // characters table row keys forbid
        Assert.Equal(4, await CountAsync());

        Time.Advance(TimeSpan.FromMinutes(5) - Resolution);
        Assert.False(await Instance().TryAddAsync("ci", "jti-1", expires));
    }

    [Fact]
    public async Task An_expired_jti_is_taken_over_once_and_then_protects_again()
    {
        Assert.True(await Instance().TryAddAsync("ci", "jti-old", Time.GetUtcNow() + TimeSpan.FromMinutes(5)));

        Time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(await Instance().TryAddAsync("ci", "jti-old", InAnHour));
        Assert.False(await Instance().TryAddAsync("ci", "jti-old", InAnHour));
    }

    [Fact]
    public async Task Lifecycle_keys_are_accepted_once_and_kept_apart_from_request_jtis()
    {
        // A signed Connect install is remembered by a key of the token, not by a jti (ConnectLifecycle).
        const string install = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjb25uZWN0In0.c2lnbmF0dXJl";
        var key = ConnectLifecycle.ReplayKeyOf(install);
        var sameSignedPart = ConnectLifecycle.ReplayKeyOf("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjb25uZWN0In0.b3RoZXItc3BlbGxpbmc");

        Assert.True(await Instance().TryAddAsync("connect-app", key, InAnHour));
        Assert.False(await Instance().TryAddAsync("connect-app", sameSignedPart, InAnHour));
        Assert.NotNull(await Instance().TryReserveAsync("connect-app", key["lifecycle:".Length..], InAnHour)); // a request jti spelled like the hash
    }

    [Fact]
    public async Task Of_concurrent_uses_of_one_jti_exactly_one_wins()
    {
        for (var round = 0; round < RaceRounds; round++)
        {
            var results = await RaceAsync(store => store.TryAddAsync("ci", $"raced-{round}", InAnHour).AsTask());

            Assert.Single(results, accepted => accepted);
        }
    }

    [Fact]
    public async Task Of_concurrent_uses_of_an_expired_jti_exactly_one_takes_it_over()
    {
        for (var round = 0; round < RaceRounds; round++)
        {
            var jti = $"expired-{round}";
            Assert.True(await Instance().TryAddAsync("ci", jti, Time.GetUtcNow() + TimeSpan.FromSeconds(1)));
            Time.Advance(TimeSpan.FromSeconds(2));

            var results = await RaceAsync(store => store.TryAddAsync("ci", jti, InAnHour).AsTask());

            Assert.Single(results, accepted => accepted);
        }
    }

    [Fact]
    public async Task Of_concurrent_reservations_of_one_jti_exactly_one_holds_it()
    {
        for (var round = 0; round < RaceRounds; round++)
        {
            var results = await RaceAsync(store => store.TryReserveAsync("ci", $"reserved-{round}", InAnHour).AsTask());

            Assert.Single(results, held => held is not null);
        }
    }

    [Fact]
    public async Task A_held_jti_is_refused_to_a_second_use_and_to_TryAdd()
    {
        var held = await Instance().TryReserveAsync("ci", "jti-held", InAnHour);

        Assert.NotNull(held);
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-held", InAnHour));
        Assert.False(await Instance().TryAddAsync("ci", "jti-held", InAnHour));
        Assert.NotNull(await Instance().TryReserveAsync("ops", "jti-held", InAnHour)); // another integration's namespace
    }

    [Fact]
    public async Task A_released_jti_can_be_used_again_and_committed_by_the_retry()
    {
        var held = (await Instance().TryReserveAsync("ci", "jti-1", InAnHour))!;

        await held.ReleaseAsync();

        Assert.True(held.Settled);
        var retried = (await Instance().TryReserveAsync("ci", "jti-1", InAnHour))!; // the sender's retry, maybe on another instance
        Assert.True(await retried.CommitAsync());
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_committed_jti_is_refused_until_the_token_expires_not_only_for_the_hold()
    {
        var expires = Time.GetUtcNow() + TimeSpan.FromMinutes(10);
        var held = (await Instance().TryReserveAsync("ci", "jti-1", expires))!;

        Assert.True(await held.CommitAsync());
        await held.ReleaseAsync(); // settled: a no-op

        Time.Advance(ReplayReservation.PendingHold + TimeSpan.FromMinutes(1));
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-1", expires));
        Time.Advance(TimeSpan.FromMinutes(10) - ReplayReservation.PendingHold - TimeSpan.FromMinutes(1) - Resolution);
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-1", expires));
        Time.Advance(Resolution);
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-1", InAnHour));
    }

    [Fact]
    public async Task A_hold_never_settled_lapses_after_the_pending_hold_not_at_the_token_expiry()
    {
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour)); // the request's instance dies here

        Time.Advance(ReplayReservation.PendingHold - Resolution);
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour));
        Time.Advance(Resolution);
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour));
    }

    [Fact]
    public async Task A_lapsed_hold_taken_by_another_use_can_be_neither_renewed_nor_committed_nor_released()
    {
        var slow = (await Instance().TryReserveAsync("ci", "jti-slow", InAnHour))!;
        var released = (await Instance().TryReserveAsync("ci", "jti-released", InAnHour))!;
        Time.Advance(ReplayReservation.PendingHold);
        var other = (await Instance().TryReserveAsync("ci", "jti-slow", InAnHour))!;
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-released", InAnHour));

        Assert.False(await slow.RenewAsync());
        Assert.False(await slow.CommitAsync());
        await released.ReleaseAsync(); // not its hold any more: must not free the other's

        Assert.Null(await Instance().TryReserveAsync("ci", "jti-slow", InAnHour)); // still the other's
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-released", InAnHour));
        Assert.True(await other.CommitAsync());
    }

    [Fact]
    public async Task A_lapsed_hold_nobody_took_is_renewed_and_committed_even_after_the_sweep()
    {
        var renewed = (await Instance().TryReserveAsync("ci", "jti-renewed", InAnHour))!;
        var swept = (await Instance().TryReserveAsync("ci", "jti-swept", InAnHour))!;
        Time.Advance(ReplayReservation.PendingHold + TimeSpan.FromMinutes(1));
        await Instance().SweepExpiredAsync();
        Assert.Equal(0, await CountAsync());

        Assert.True(await renewed.RenewAsync());
        Assert.Equal(Time.GetUtcNow() + ReplayReservation.PendingHold, renewed.HeldUntil);
        Assert.True(await swept.CommitAsync());

        Assert.Null(await Instance().TryReserveAsync("ci", "jti-renewed", InAnHour));
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-swept", InAnHour));
    }

    [Fact]
    public async Task The_sweep_drops_expired_entries_only()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await Instance().TryAddAsync("ci", $"short-{i}", Time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        }

        Assert.True(await Instance().TryAddAsync("ci", "long", Time.GetUtcNow() + TimeSpan.FromHours(2)));
        Assert.NotNull(await Instance().TryReserveAsync("ci", "held", Time.GetUtcNow() + TimeSpan.FromHours(2)));
        Time.Advance(TimeSpan.FromMinutes(10));
        var live = (await Instance().TryReserveAsync("ci", "held-now", InAnHour))!;

        await Instance().SweepExpiredAsync();

        Assert.Equal(2, await CountAsync());
        Assert.False(await Instance().TryAddAsync("ci", "long", InAnHour));
        Assert.True(await live.CommitAsync());
    }

    /// <summary>Twenty uses at once, alternating between two instances, released together.</summary>
    private async Task<T[]> RaceAsync<T>(Func<IReplayCache, Task<T>> use)
    {
        var instances = new[] { Instance(), Instance() };
        await instances[0].TryAddAsync("ci", "warm-up", InAnHour); // a shared store's table is reached before the race
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var uses = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.Task;
            return await use(instances[i % 2]);
        }).ToArray();

        start.SetResult();
        return await Task.WhenAll(uses);
    }
}
