using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Replay;

/// <summary>
/// A jti held for one request that is still under way (<see cref="IReplayCache.TryReserveAsync"/>):
/// while held, another use of the token is a replay; the request then commits it (its event is
/// durable: the jti is recorded until the token expires) or releases it (refused or failed: the
/// sender's retry may use the token again). The same order as <see cref="IDeliveryLog"/>: record
/// only after the write. A hold that is neither (the process died) ends by itself after
/// <see cref="PendingHold"/>, not at the token's expiry, so the retry is refused only that long.
/// </summary>
public abstract class ReplayReservation
{
    /// <summary>
    /// How long a hold lasts uncommitted. It must outlast a request from its check to its commit:
    /// the holder renews it before the sink write when less than <see cref="RenewBelow"/> is left
    /// (a slow body), and the write and the commit take at most about 50 s even when storage
    /// answers only on the last of its request-path retries.
    /// </summary>
    public static readonly TimeSpan PendingHold = TimeSpan.FromSeconds(90);

    /// <summary>What must be left of the hold when the sink write starts; less, and the holder renews it first.</summary>
    public static readonly TimeSpan RenewBelow = TimeSpan.FromSeconds(60);

    protected ReplayReservation(string integration, DateTimeOffset expiresOn)
    {
        Integration = integration;
        ExpiresOn = expiresOn;
    }

    public string Integration { get; }

    /// <summary>Until when a commit records the jti (the token's expiry plus the clock skew).</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>When the hold lapses unless renewed or committed.</summary>
    public abstract DateTimeOffset HeldUntil { get; }

    /// <summary>Committed or released: nothing left to do.</summary>
    public bool Settled { get; private set; }

    /// <summary>
    /// Extends the hold by <see cref="PendingHold"/> from now: false when it had lapsed and another
    /// request took the jti (this request must then be refused as a replay).
    /// </summary>
    public ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default) => RenewCoreAsync(cancellationToken);

    /// <summary>
    /// Records the jti as used until <see cref="ExpiresOn"/>. False when the hold had lapsed and
    /// another request took the jti meanwhile. Settles the reservation even when it throws: the
    /// event is durable by then, so it is never released.
    /// </summary>
    public ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        Settled = true;
        return CommitCoreAsync(cancellationToken);
    }

    /// <summary>Frees the jti if this reservation still holds it; a no-op once settled.</summary>
    public ValueTask ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (Settled)
        {
            return ValueTask.CompletedTask;
        }

        Settled = true;
        return ReleaseCoreAsync(cancellationToken);
    }

    protected abstract ValueTask<bool> RenewCoreAsync(CancellationToken cancellationToken);

    protected abstract ValueTask<bool> CommitCoreAsync(CancellationToken cancellationToken);

    protected abstract ValueTask ReleaseCoreAsync(CancellationToken cancellationToken);
}
