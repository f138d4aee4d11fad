using System.Collections.Concurrent;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Replay;

/// <summary>Remembers accepted <c>jti</c>s until they expire, so each is accepted once.</summary>
public interface IReplayCache
{
    /// <summary>
    /// Records the jti; false if it was already recorded and has not expired. Throws
    /// <see cref="ReplayStoreUnavailableException"/> when a shared store cannot answer: the caller
    /// must then refuse the token (a replay check that did not run must never accept).
    /// </summary>
    ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Holds the jti for a request still under way: null if it is recorded (a replay) or held by
    /// another request. The hold is short (<see cref="ReplayReservation.PendingHold"/>) until the
    /// holder commits it (the jti is then recorded until <paramref name="expiresOn"/>) or releases
    /// it (the token may be used again). Throws <see cref="ReplayStoreUnavailableException"/> as
    /// <see cref="TryAddAsync"/> does.
    /// </summary>
    ValueTask<ReplayReservation?> TryReserveAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>Removes entries whose token has expired (run by the credentials job); a no-op for stores that sweep themselves.</summary>
    ValueTask SweepExpiredAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>The replay store could not be reached or answered with an error; the message names no jti.</summary>
public sealed class ReplayStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The in-process replay cache: right for one instance. A scaled-out app needs a shared store
/// (a table; the seam is <see cref="IReplayCache"/>). Entries are dropped once their token has
/// expired, swept at most once a minute, so memory is bounded by the tokens live at once.
/// </summary>
public sealed class MemoryReplayCache(TimeProvider timeProvider) : IReplayCache
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _clock = timeProvider;

    // Entries compare by reference, so a reservation changes or removes only the entry it placed.
    private readonly ConcurrentDictionary<(string Integration, string Jti), Entry> _seen = new();
    private long _nextSweepTicks;

    public int Count => _seen.Count;

    public ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        SweepIfDue(now);
        return ValueTask.FromResult(TryTake((integration, jti), new Entry(expiresOn), now));
    }

    public ValueTask<ReplayReservation?> TryReserveAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        SweepIfDue(now);
        var key = (integration, jti);
        var held = new Entry(now + ReplayReservation.PendingHold);
        return ValueTask.FromResult<ReplayReservation?>(TryTake(key, held, now) ? new Reservation(this, key, held, expiresOn) : null);
    }

    /// <summary>Drops every entry whose token has expired (or whose hold lapsed) now: the credentials job's sweep, besides the one requests run at most once a minute.</summary>
    public ValueTask SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        Sweep(_clock.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    /// <summary>Places the entry unless one that has not expired is there (a token seen, or a request holding it).</summary>
    private bool TryTake((string, string) key, Entry entry, DateTimeOffset now)
    {
        while (true)
        {
            if (_seen.TryAdd(key, entry))
            {
                return true;
            }

            // An entry whose token has expired (or whose hold lapsed) no longer protects anything; replace it atomically.
            if (_seen.TryGetValue(key, out var existing))
            {
                if (existing.Until > now)
                {
                    return false;
                }

                if (_seen.TryUpdate(key, entry, existing))
                {
                    return true;
                }
            }
        }
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, next) != next)
        {
            return;
        }

        Sweep(now);
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _seen)
        {
            if (entry.Until <= now)
            {
                _seen.TryRemove(new KeyValuePair<(string, string), Entry>(key, entry));
            }
        }
    }

    private sealed class Entry(DateTimeOffset until)
    {
        public DateTimeOffset Until { get; } = until;
    }

    private sealed class Reservation(MemoryReplayCache cache, (string Integration, string Jti) key, Entry held, DateTimeOffset expiresOn)
        : ReplayReservation(key.Integration, expiresOn)
    {
        private Entry _held = held;

        public override DateTimeOffset HeldUntil => _held.Until;

        protected override ValueTask<bool> RenewCoreAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(Replace(new Entry(cache._clock.GetUtcNow() + PendingHold)));

        protected override ValueTask<bool> CommitCoreAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(Replace(new Entry(ExpiresOn)));

        protected override ValueTask ReleaseCoreAsync(CancellationToken cancellationToken)
        {
            cache._seen.TryRemove(new KeyValuePair<(string, string), Entry>(key, _held));
            return ValueTask.CompletedTask;
        }

        // Still ours (even past its hold, if nobody took it meanwhile), or free again (swept): take it.
        private bool Replace(Entry next)
        {
            if (!cache._seen.TryUpdate(key, next, _held) && !cache.TryTake(key, next, cache._clock.GetUtcNow()))
            {
                return false;
            }

            _held = next;
            return true;
        }
    }
}
