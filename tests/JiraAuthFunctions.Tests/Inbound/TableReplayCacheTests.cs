using Azure.Data.Tables;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>The shared replay table against Azurite's table service: the real emulator and the real SDK.</summary>
public sealed class TableReplayCacheTests : ReplayTableTestBase
{
    /// <summary>The cache as one instance of the app has it: its own client on the shared table.</summary>
    private TableReplayCache Instance(TableClientOptions? options = null) =>
        new(new TableClient(_azurite.ConnectionString, _tableName, options ?? new TableClientOptions()), _time, _logs.CreateLogger(nameof(TableReplayCache)));

    private DateTimeOffset InAnHour => _time.GetUtcNow().AddHours(1);

    [Fact]
    public async Task A_jti_is_accepted_once_per_integration_across_instances()
    {
        var first = Instance();
        var second = Instance();

        Assert.True(await first.TryAddAsync("ci", "jti-1", InAnHour));
        Assert.False(await first.TryAddAsync("ci", "jti-1", InAnHour));
        Assert.False(await second.TryAddAsync("ci", "jti-1", InAnHour)); // replayed to another instance
        Assert.True(await second.TryAddAsync("ops", "jti-1", InAnHour)); // another integration's namespace
        Assert.True(await second.TryAddAsync("ci", "a/b#c?d\\e", InAnHour)); // characters row keys forbid
    }

    [Fact]
    public async Task Of_many_concurrent_uses_on_two_instances_exactly_one_wins()
    {
        var instances = new[] { Instance(), Instance() };
        await instances[0].TryAddAsync("ci", "warm-up", InAnHour); // the table exists before the race

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => instances[i % 2].TryAddAsync("ci", "raced-jti", InAnHour).AsTask()));

        Assert.Single(results, accepted => accepted);
    }

    [Fact]
    public async Task A_row_of_an_expired_token_is_ignored_and_taken_over_once()
    {
        var cache = Instance();
        Assert.True(await cache.TryAddAsync("ci", "jti-old", _time.GetUtcNow().AddMinutes(5)));

        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.True(await cache.TryAddAsync("ci", "jti-old", InAnHour));
        Assert.False(await Instance().TryAddAsync("ci", "jti-old", InAnHour));
    }

    [Fact]
    public async Task The_sweep_deletes_expired_rows_only_and_stores_no_jti()
    {
        var cache = Instance();
        await cache.TryAddAsync("ci", "short-lived-jti", _time.GetUtcNow().AddMinutes(5));
        await cache.TryAddAsync("ci", "long-lived-jti", _time.GetUtcNow().AddHours(2));
        _time.Advance(TimeSpan.FromMinutes(10));

        await cache.SweepExpiredAsync();

        var rows = new List<TableEntity>();
        await foreach (var row in new TableClient(_azurite.ConnectionString, _tableName).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        var left = Assert.Single(rows);
        Assert.Equal(("ci", TableReplayCache.RowKey("long-lived-jti")), (left.PartitionKey, left.RowKey));
        Assert.DoesNotContain(rows.SelectMany(r => r.Select(p => p.Value)), v => v is string text && text.Contains("jti", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_held_jti_is_refused_on_every_instance_until_released_or_committed()
    {
        var first = Instance();
        var second = Instance();

        var held = (await first.TryReserveAsync("ci", "jti-held", InAnHour))!;
        Assert.Null(await second.TryReserveAsync("ci", "jti-held", InAnHour));
        Assert.False(await second.TryAddAsync("ci", "jti-held", InAnHour));
        await held.ReleaseAsync();
        var retried = (await second.TryReserveAsync("ci", "jti-held", InAnHour))!; // the sender's retry, on the other instance
        Assert.True(await retried.CommitAsync());

        Assert.Null(await first.TryReserveAsync("ci", "jti-held", InAnHour));
        _time.Advance(ReplayReservation.PendingHold + TimeSpan.FromMinutes(1));
        Assert.Null(await first.TryReserveAsync("ci", "jti-held", InAnHour)); // committed: held until the token expires
    }

    [Fact]
    public async Task A_hold_never_settled_frees_the_jti_after_the_pending_hold()
    {
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour)); // that instance dies here

        _time.Advance(ReplayReservation.PendingHold - TimeSpan.FromSeconds(1));
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await Instance().TryReserveAsync("ci", "jti-orphan", InAnHour));
    }

    [Fact]
    public async Task A_lapsed_hold_taken_by_another_instance_is_theirs_and_a_swept_one_is_taken_again()
    {
        var slow = (await Instance().TryReserveAsync("ci", "jti-slow", InAnHour))!;
        var swept = (await Instance().TryReserveAsync("ci", "jti-swept", InAnHour))!;
        _time.Advance(ReplayReservation.PendingHold + TimeSpan.FromSeconds(1));
        var other = (await Instance().TryReserveAsync("ci", "jti-slow", InAnHour))!;
        await Instance().SweepExpiredAsync();

        Assert.False(await slow.RenewAsync());
        Assert.False(await slow.CommitAsync());
        await slow.ReleaseAsync(); // settled: a no-op, and the row is another's anyway
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-slow", InAnHour));
        Assert.True(await other.CommitAsync());

        Assert.True(await swept.RenewAsync()); // its row was swept: nobody holds it
        Assert.Null(await Instance().TryReserveAsync("ci", "jti-swept", InAnHour));
    }

    [Fact]
    public async Task Of_many_concurrent_reservations_on_two_instances_exactly_one_holds_the_jti()
    {
        var instances = new[] { Instance(), Instance() };
        await instances[0].TryAddAsync("ci", "warm-up", InAnHour);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => instances[i % 2].TryReserveAsync("ci", "raced-reservation", InAnHour).AsTask()));

        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task A_commit_or_release_the_table_cannot_take_throws_without_the_jti_and_is_not_logged_as_a_refusal()
    {
        var instance = Instance(QueueEventSink.WithRequestPathRetries(new TableClientOptions())); // as the app has it: few, short retries
        var held = (await instance.TryReserveAsync("ci", "jti-then-down", InAnHour))!;
        var released = (await instance.TryReserveAsync("ci", "jti-release-down", InAnHour))!;
        await _azurite.DisposeAsync(); // the table goes away
        _azurite = await Azurite.StartAsync(); // (a new, empty one for DisposeAsync; these clients still point at the old port)

        var commit = await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => held.CommitAsync().AsTask());
        var release = await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => released.ReleaseAsync().AsTask());

        Assert.DoesNotContain("jti-then-down", commit.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("jti-release-down", release.Message, StringComparison.Ordinal);
        Assert.Empty(_logs.WithEventId(EventIds.ReplayStoreFailed));
    }

    [Fact]
    public async Task A_missing_table_refuses_the_token_with_its_error_code()
    {
        var cache = new TableReplayCache(new TableClient(_azurite.ConnectionString, "nosuchtable"), _time, _logs.CreateLogger(nameof(TableReplayCache)));

        await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => cache.TryAddAsync("ci", "jti-1", InAnHour).AsTask());

        Assert.Contains("TableNotFound", Assert.Single(_logs.Entries, e => e.EventId.Id == EventIds.ReplayStoreFailed).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_that_cannot_answer_refuses_the_token_and_logs_why_without_the_jti()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var options = QueueEventSink.WithRequestPathRetries(new TableClientOptions());
        var cache = new TableReplayCache(new TableClient(unreachable, _tableName, options), _time, _logs.CreateLogger(nameof(TableReplayCache)));

        var ex = await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => cache.TryAddAsync("ci", "jti-while-down", InAnHour).AsTask());

        Assert.DoesNotContain("jti-while-down", ex.Message, StringComparison.Ordinal);
        var entry = Assert.Single(_logs.Entries, e => e.EventId.Id == EventIds.ReplayStoreFailed);
        Assert.DoesNotContain("jti-while-down", entry.Message, StringComparison.Ordinal);
        Assert.Contains("ci", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_unhealthy_while_the_last_table_call_failed_and_ok_after_any_call_of_cache_or_delivery_log_succeeds()
    {
        var health = new ReplayTableHealth(_time);
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var up = new TableReplayCache(new TableClient(_azurite.ConnectionString, _tableName), _time, _logs.CreateLogger(nameof(TableReplayCache)), health);
        var down = new TableReplayCache(new TableClient(unreachable, _tableName, QueueEventSink.WithRequestPathRetries(new TableClientOptions())), _time, _logs.CreateLogger(nameof(TableReplayCache)), health);
        var deliveries = new TableDeliveryLog(new TableClient(_azurite.ConnectionString, _tableName), _time, _logs.CreateLogger(nameof(TableDeliveryLog)), health);
        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Healthy, "not_used_yet"), await up.CheckAsync());

        Assert.True(await up.TryAddAsync("ci", "jti-up", InAnHour));
        var succeededAt = _time.GetUtcNow();
        Assert.False(await up.TryAddAsync("ci", "jti-up", InAnHour)); // a replay is an answer too
        _time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => down.TryAddAsync("ci", "jti-while-down", InAnHour).AsTask());

        var failing = await up.CheckAsync();
        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Unhealthy, "unreachable", succeededAt), failing);

        _time.Advance(TimeSpan.FromMinutes(1));
        await deliveries.RecordAsync("ci", "delivery-1", "event-1");

        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Healthy, null, _time.GetUtcNow()), await up.CheckAsync());
    }
}
