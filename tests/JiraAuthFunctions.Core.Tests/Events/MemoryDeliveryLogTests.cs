using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Events;

public sealed class MemoryDeliveryLogTests
{
    private readonly FakeTimeProvider _time = Clock.Create();

    [Fact]
    public async Task A_recorded_delivery_is_found_with_its_first_event_id_and_only_for_its_integration()
    {
        var log = new MemoryDeliveryLog(_time);

        Assert.Null(await log.FindAsync("hooks", "d-1:abc"));
        await log.RecordAsync("hooks", "d-1:abc", "event-1");

        Assert.Equal("event-1", await log.FindAsync("hooks", "d-1:abc"));
        Assert.Null(await log.FindAsync("other-hooks", "d-1:abc"));
        Assert.Null(await log.FindAsync("hooks", "d-2:abc"));
    }

    [Fact]
    public async Task Recording_the_same_delivery_again_keeps_the_first_event_id()
    {
        var log = new MemoryDeliveryLog(_time);

        await log.RecordAsync("hooks", "d-1", "event-1");
        await log.RecordAsync("hooks", "d-1", "event-2");

        Assert.Equal("event-1", await log.FindAsync("hooks", "d-1"));
        Assert.Equal(1, log.Count);
    }

    [Fact]
    public async Task A_delivery_is_forgotten_after_the_retention()
    {
        var log = new MemoryDeliveryLog(_time, retention: TimeSpan.FromHours(24));
        await log.RecordAsync("hooks", "d-1", "event-1");

        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal("event-1", await log.FindAsync("hooks", "d-1"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await log.FindAsync("hooks", "d-1"));

        // Expired entries leave memory at the next record, not only lookups.
        await log.RecordAsync("hooks", "d-2", "event-2");
        Assert.Equal(1, log.Count);
    }

    [Fact]
    public async Task Over_capacity_the_oldest_delivery_is_forgotten_first()
    {
        var log = new MemoryDeliveryLog(_time, capacity: 3);
        foreach (var i in Enumerable.Range(1, 4))
        {
            await log.RecordAsync("hooks", $"d-{i}", $"event-{i}");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, log.Count);
        Assert.Null(await log.FindAsync("hooks", "d-1"));
        Assert.Equal("event-2", await log.FindAsync("hooks", "d-2"));
        Assert.Equal("event-4", await log.FindAsync("hooks", "d-4"));
    }

    [Fact]
    public void Defaults_are_a_day_and_a_bounded_size()
    {
        var log = new MemoryDeliveryLog(_time);

        Assert.Equal(TimeSpan.FromHours(24), log.Retention);
        Assert.Equal(MemoryDeliveryLog.DefaultCapacity, log.Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryDeliveryLog(_time, capacity: 0));
    }
}
