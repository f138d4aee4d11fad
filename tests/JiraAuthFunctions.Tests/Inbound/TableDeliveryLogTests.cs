using Azure.Data.Tables;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>The shared delivery log in the replay table, against Azurite's table service with the real SDK.</summary>
public sealed class TableDeliveryLogTests : ReplayTableTestBase
{
    /// <summary>The log as one instance of the app has it: its own client on the shared table.</summary>
    private TableDeliveryLog Instance() =>
        new(new TableClient(_azurite.ConnectionString, _tableName), _time, _logs.CreateLogger(nameof(TableDeliveryLog)));

    [Fact]
    public async Task A_delivery_accepted_on_one_instance_is_known_to_another_for_its_integration_only()
    {
        var first = Instance();
        var second = Instance();

        Assert.Null(await second.FindAsync("hooks", "delivery-1/abc#?"));
        await first.RecordAsync("hooks", "delivery-1/abc#?", "event-1");

        Assert.Equal("event-1", await second.FindAsync("hooks", "delivery-1/abc#?"));
        Assert.Null(await second.FindAsync("other", "delivery-1/abc#?"));
        Assert.Null(await second.FindAsync("hooks", "delivery-2"));
    }

    [Fact]
    public async Task A_delivery_is_forgotten_after_the_retention_and_swept_with_the_replay_rows()
    {
        var log = Instance();
        await log.RecordAsync("hooks", "delivery-1", "event-1");
        var replay = new TableReplayCache(new TableClient(_azurite.ConnectionString, _tableName), _time, _logs.CreateLogger(nameof(TableReplayCache)));

        _time.Advance(MemoryDeliveryLog.DefaultRetention - TimeSpan.FromMinutes(1));
        await replay.SweepExpiredAsync();
        Assert.Equal("event-1", await log.FindAsync("hooks", "delivery-1"));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await log.FindAsync("hooks", "delivery-1"));
        await replay.SweepExpiredAsync();
        var rows = new TableClient(_azurite.ConnectionString, _tableName).QueryAsync<TableEntity>(r => r.PartitionKey == TableDeliveryLog.Partition("hooks"));
        Assert.Empty(await rows.ToListAsync());
    }

    [Fact]
    public async Task A_table_that_cannot_answer_makes_the_delivery_count_as_new_and_is_logged_without_the_key()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var options = QueueEventSink.WithRequestPathRetries(new TableClientOptions());
        var down = new TableDeliveryLog(new TableClient(unreachable, _tableName, options), _time, _logs.CreateLogger(nameof(TableDeliveryLog)));

        Assert.Null(await down.FindAsync("hooks", "delivery-while-down"));
        await down.RecordAsync("hooks", "delivery-while-down", "event-1"); // does not throw: one more write at worst

        var failures = _logs.WithEventId(EventIds.DeliveryLogFailed).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.DoesNotContain("delivery-while-down", f.Message, StringComparison.Ordinal));
    }
}
