namespace JiraAuthFunctions.Health;

/// <summary>
/// One dependency the request path or the credentials job needs (the event sink, the replay store,
/// the revocation list, the secret store, a key source, the lease store...), as health reports it.
/// Register each with <c>services.AddSingleton&lt;IDependencyHealth, ...&gt;()</c>; <c>GET /api/health</c>
/// lists every registered one. A check must be cheap (it reads state the component already keeps,
/// it does not call out on every probe) and must never put a secret or a token in <see cref="DependencyState.Detail"/>.
/// </summary>
public interface IDependencyHealth
{
    /// <summary>The dependency's current state.</summary>
    ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The dependency belongs to this instance alone (its own disk), so a replacement instance does
    /// not share its fault: only such a dependency, when unhealthy, makes health answer 503 to the
    /// platform's probe. False for anything every instance shares (Key Vault, storage, Atlassian).
    /// </summary>
    bool InstanceLocal => false;
}

/// <summary>How a dependency is doing, worst last.</summary>
public enum HealthStatus
{
    /// <summary>Working.</summary>
    Healthy = 0,

    /// <summary>Working on held state or with a fault that does not refuse requests yet (stale keys, a warning ahead).</summary>
    Degraded = 1,

    /// <summary>Requests that need it are refused (503) or a guarantee is at risk (a revocation list that cannot be read).</summary>
    Unhealthy = 2,
}

/// <summary>
/// A dependency's state as health reports it.
/// </summary>
/// <param name="Name">Stable name on-call queries by, e.g. <c>sink</c>, <c>replay_store</c>, <c>revocations</c>, <c>jwks:&lt;integration&gt;</c>.</param>
/// <param name="Status">Healthy, degraded or unhealthy.</param>
/// <param name="Detail">A short reason code or sentence; never a secret, a token or a stack trace.</param>
/// <param name="LastSuccess">When the dependency last worked, if known.</param>
public sealed record DependencyState(string Name, HealthStatus Status, string? Detail = null, DateTimeOffset? LastSuccess = null);

/// <summary>Names for <see cref="HealthStatus"/> on the wire.</summary>
public static class HealthStatuses
{
    /// <summary>The wire string: <c>ok</c>, <c>degraded</c>, <c>unhealthy</c>.</summary>
    public static string ToCode(this HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        HealthStatus.Unhealthy => "unhealthy",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
