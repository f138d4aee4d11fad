using System.Collections.Concurrent;

namespace JiraAuthFunctions.Inbound;

/// <summary>Remembers accepted <c>jti</c>s until they expire, so each is accepted once.</summary>
public interface IReplayCache
{
    /// <summary>
    /// Records the jti; false if it was already recorded and has not expired. Throws
    /// <see cref="ReplayStoreUnavailableException"/> when a shared store cannot answer: the caller
    /// must then refuse the token (a replay check that did not run must never accept).
    /// </summary>
    ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

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
    private readonly ConcurrentDictionary<(string Integration, string Jti), DateTimeOffset> _seen = new();
    private long _nextSweepTicks;

    public int Count => _seen.Count;

    public ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        SweepIfDue(now);

        var key = (integration, jti);
        while (true)
        {
            if (_seen.TryAdd(key, expiresOn))
            {
                return ValueTask.FromResult(true);
            }

            // An entry whose token has expired no longer protects anything; replace it atomically.
            if (_seen.TryGetValue(key, out var existing))
            {
                if (existing > now)
                {
                    return ValueTask.FromResult(false);
                }

                if (_seen.TryUpdate(key, expiresOn, existing))
                {
                    return ValueTask.FromResult(true);
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

        foreach (var (key, expiresOn) in _seen)
        {
            if (expiresOn <= now)
            {
                _seen.TryRemove(new KeyValuePair<(string, string), DateTimeOffset>(key, expiresOn));
            }
        }
    }
}
