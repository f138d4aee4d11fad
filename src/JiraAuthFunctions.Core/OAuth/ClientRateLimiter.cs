using System.Collections.Concurrent;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// Failed token requests per client: after <see cref="MaxFailures"/> within <see cref="Window"/> every
/// further failure of that client gets 429 (not counted again) until the oldest of them leaves the
/// window, so the 429s end at most <see cref="Window"/> after the last failure counted. The right secret
/// is never refused (<see cref="ClientCredentialsGrant"/> checks it first): someone who knows a client id
/// can make its wrong guesses slow, not lock the rule out. Failures of ids that name no client share
/// one key (<see cref="UnknownClients"/>), so made-up ids cannot grow the table. Per instance: with N
/// instances a guesser gets N times the attempts, which a 256-bit secret does not notice; the limit is
/// there to tell a misconfigured rule (or a guesser) to back off, and to mark it in the log (event 287).
/// </summary>
public sealed class ClientRateLimiter(TimeProvider timeProvider)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    public const string UnknownClients = "(unknown)";

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the client must wait; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        if (!_failures.TryGetValue(key, out var failures))
        {
            return null;
        }

        lock (failures)
        {
            var now = timeProvider.GetUtcNow();
            Forget(failures, now);
            return failures.Count >= MaxFailures ? failures.Peek() + Window - now : null;
        }
    }

    /// <summary>Counts a failure; true when it is the one that locks the client out.</summary>
    public bool RecordFailure(string key)
    {
        var failures = _failures.GetOrAdd(key, static _ => new Queue<DateTimeOffset>(MaxFailures));
        lock (failures)
        {
            var now = timeProvider.GetUtcNow();
            Forget(failures, now);
            if (failures.Count == MaxFailures)
            {
                failures.Dequeue();
            }

            failures.Enqueue(now);
            return failures.Count == MaxFailures;
        }
    }

    /// <summary>A client that authenticated starts again from zero.</summary>
    public void Reset(string key) => _failures.TryRemove(key, out _);

    private static void Forget(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && now - failures.Peek() >= Window)
        {
            failures.Dequeue();
        }
    }
}
