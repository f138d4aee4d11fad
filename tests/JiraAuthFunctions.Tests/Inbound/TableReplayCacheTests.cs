using Azure.Data.Tables;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// The shared replay table against Azurite's table service (the real emulator, the real SDK): the
/// contract every replay store keeps (<see cref="ReplayStoreContract"/>), each call a different
/// instance of the app on the same table, and what only a table has: rows without the jti, and
/// refusals when the table cannot answer.
/// </summary>
public sealed class TableReplayCacheTests : ReplayStoreContract
{
    private readonly LogCapture _logs = new();
    private readonly string _tableName = "replay" + Guid.NewGuid().ToString("N")[..12];
    private Azurite _azurite = null!;

    // Azurite keeps times to the millisecond or so; a second apart is unambiguous.
    protected override TimeSpan Resolution => TimeSpan.FromSeconds(1);

    // Each race is twenty table calls over the network; two rounds show the conditional writes decide it.
    protected override int RaceRounds => 2;

    public override async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        await new TableClient(_azurite.ConnectionString, _tableName).CreateIfNotExistsAsync(); // as the deployment does
    }

    public override async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        _logs.Dispose();
    }

    /// <summary>The cache as one instance of the app has it: its own client on the shared table.</summary>
    protected override IReplayCache Instance() => Instance(null);

    protected override async Task<int> CountAsync() => (await Rows()).Count;

    private TableReplayCache Instance(TableClientOptions? options) =>
        new(new TableClient(_azurite.ConnectionString, _tableName, options ?? new TableClientOptions()), Time, _logs.CreateLogger(nameof(TableReplayCache)));

    private async Task<List<TableEntity>> Rows()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in new TableClient(_azurite.ConnectionString, _tableName).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private DateTimeOffset InAnHour => Time.GetUtcNow().AddHours(1);

    [Fact]
    public async Task Rows_are_keyed_by_integration_and_the_jti_hash_and_store_no_jti()
    {
        var cache = Instance();
        await cache.TryAddAsync("ci", "short-lived-jti", Time.GetUtcNow().AddMinutes(5));
        await cache.TryAddAsync("ci", "long-lived-jti", Time.GetUtcNow().AddHours(2));
        Time.Advance(TimeSpan.FromMinutes(10));

        await cache.SweepExpiredAsync();

        var rows = await Rows();
        var left = Assert.Single(rows);
        Assert.Equal(("ci", TableReplayCache.RowKey("long-lived-jti")), (left.PartitionKey, left.RowKey));
        Assert.DoesNotContain(rows.SelectMany(r => r.Select(p => p.Value)), v => v is string text && text.Contains("jti", StringComparison.Ordinal));
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
        var cache = new TableReplayCache(new TableClient(_azurite.ConnectionString, "nosuchtable"), Time, _logs.CreateLogger(nameof(TableReplayCache)));

        await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => cache.TryAddAsync("ci", "jti-1", InAnHour).AsTask());

        Assert.Contains("TableNotFound", Assert.Single(_logs.Entries, e => e.EventId.Id == EventIds.ReplayStoreFailed).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_that_cannot_answer_refuses_the_token_and_logs_why_without_the_jti()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var options = QueueEventSink.WithRequestPathRetries(new TableClientOptions());
        var cache = new TableReplayCache(new TableClient(unreachable, _tableName, options), Time, _logs.CreateLogger(nameof(TableReplayCache)));

        var ex = await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => cache.TryAddAsync("ci", "jti-while-down", InAnHour).AsTask());

        Assert.DoesNotContain("jti-while-down", ex.Message, StringComparison.Ordinal);
        var entry = Assert.Single(_logs.Entries, e => e.EventId.Id == EventIds.ReplayStoreFailed);
        Assert.DoesNotContain("jti-while-down", entry.Message, StringComparison.Ordinal);
        Assert.Contains("ci", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_unhealthy_while_the_last_table_call_failed_and_ok_after_any_call_of_cache_or_delivery_log_succeeds()
    {
        var health = new ReplayTableHealth(Time);
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var up = new TableReplayCache(new TableClient(_azurite.ConnectionString, _tableName), Time, _logs.CreateLogger(nameof(TableReplayCache)), health);
        var down = new TableReplayCache(new TableClient(unreachable, _tableName, QueueEventSink.WithRequestPathRetries(new TableClientOptions())), Time, _logs.CreateLogger(nameof(TableReplayCache)), health);
        var deliveries = new TableDeliveryLog(new TableClient(_azurite.ConnectionString, _tableName), Time, _logs.CreateLogger(nameof(TableDeliveryLog)), health);
        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Healthy, "not_used_yet"), await up.CheckAsync());

        Assert.True(await up.TryAddAsync("ci", "jti-up", InAnHour));
        var succeededAt = Time.GetUtcNow();
        Assert.False(await up.TryAddAsync("ci", "jti-up", InAnHour)); // a replay is an answer too
        Time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<ReplayStoreUnavailableException>(() => down.TryAddAsync("ci", "jti-while-down", InAnHour).AsTask());

        var failing = await up.CheckAsync();
        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Unhealthy, "unreachable", succeededAt), failing);

        Time.Advance(TimeSpan.FromMinutes(1));
        await deliveries.RecordAsync("ci", "delivery-1", "event-1");

        Assert.Equal(new JiraAuthFunctions.Health.DependencyState("replay_store", JiraAuthFunctions.Health.HealthStatus.Healthy, null, Time.GetUtcNow()), await up.CheckAsync());
    }
}
