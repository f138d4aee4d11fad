using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Events;

/// <summary>
/// Deliveries already accepted, so a sender's retry of one (Jira retries a webhook it thinks
/// failed) is answered 202 again without a second sink write. Consulted before the write and
/// recorded only after the write succeeded: a failed write must leave the retry free to store it.
/// </summary>
public interface IDeliveryLog
{
    /// <summary>The event id the delivery was accepted as, or null when it was not (or is forgotten).</summary>
    ValueTask<string?> FindAsync(string integration, string deliveryKey, CancellationToken cancellationToken = default);

    /// <summary>Remembers an accepted delivery. A store that cannot record should not throw: the worst outcome is one more write.</summary>
    ValueTask RecordAsync(string integration, string deliveryKey, string eventId, CancellationToken cancellationToken = default);
}

/// <summary>
/// The deliveries of this instance, in memory: at most <see cref="Capacity"/> entries (oldest
/// forgotten first), each for <see cref="Retention"/>. Another instance, or this one after a
/// restart, does not know them; a shared store (an Azure Table) slots in behind <see cref="IDeliveryLog"/>.
/// </summary>
public sealed class MemoryDeliveryLog : IDeliveryLog
{
    public const int DefaultCapacity = 100_000;

    /// <summary>Jira's retries of one delivery end well within a day.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(24);

    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<(string Integration, string Key), Entry> _entries = [];
    private readonly Queue<(string Integration, string Key, DateTimeOffset Expires)> _order = new();
    private readonly Lock _lock = new();

    public MemoryDeliveryLog(TimeProvider timeProvider, int capacity = DefaultCapacity, TimeSpan? retention = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _timeProvider = timeProvider;
        Capacity = capacity;
        Retention = retention ?? DefaultRetention;
    }

    public int Capacity { get; }

    public TimeSpan Retention { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public ValueTask<string?> FindAsync(string integration, string deliveryKey, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            return ValueTask.FromResult(_entries.TryGetValue((integration, deliveryKey), out var entry) && entry.Expires > now ? entry.EventId : null);
        }
    }

    public ValueTask RecordAsync(string integration, string deliveryKey, string eventId, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var expires = now + Retention;
        lock (_lock)
        {
            Evict(now);
            if (_entries.TryAdd((integration, deliveryKey), new Entry(eventId, expires)))
            {
                _order.Enqueue((integration, deliveryKey, expires));
            }
        }

        return ValueTask.CompletedTask;
    }

    // Entries leave in the order they came: all that expired, then the oldest while over capacity.
    private void Evict(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && (oldest.Expires <= now || _entries.Count >= Capacity))
        {
            _order.Dequeue();
            _entries.Remove((oldest.Integration, oldest.Key));
        }
    }

    private readonly record struct Entry(string EventId, DateTimeOffset Expires);
}
