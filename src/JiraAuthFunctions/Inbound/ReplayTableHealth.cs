using Azure;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The replay store in health (<c>replay_store</c>). The shared table's two users
/// (<see cref="TableReplayCache"/>, <see cref="TableDeliveryLog"/>) record each call's outcome here:
/// unhealthy while the last failure is newer than the last success (tokens are refused with 503
/// replay_check_unavailable meanwhile), ok once a call succeeds again. A probe reads this state and
/// never calls the table. The detail is a status, never a jti: <c>http_503</c>,
/// <c>http_404:TableNotFound</c>, <c>timeout</c>, <c>unreachable</c>, <c>not_settled</c>.
/// </summary>
public sealed class ReplayTableHealth(TimeProvider timeProvider) : IDependencyHealth
{
    public const string HealthName = "replay_store";

    private readonly Lock _gate = new();
    private Outcome _last = new(null, null, null);

    /// <summary>The table answered (a 409 or 412 is an answer).</summary>
    public void Succeeded()
    {
        lock (_gate)
        {
            _last = _last with { Success = timeProvider.GetUtcNow() };
        }
    }

    /// <summary>The table did not answer, or the check did not settle.</summary>
    public void Failed(Exception ex)
    {
        var detail = DetailOf(ex);
        lock (_gate)
        {
            _last = _last with { Failure = timeProvider.GetUtcNow(), Detail = detail };
        }
    }

    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        Outcome last;
        lock (_gate)
        {
            last = _last;
        }

        var failing = last.Failure is { } failedAt && (last.Success is not { } succeededAt || failedAt >= succeededAt);
        return ValueTask.FromResult(failing
            ? new DependencyState(HealthName, HealthStatus.Unhealthy, last.Detail, last.Success)
            : new DependencyState(HealthName, HealthStatus.Healthy, last.Success is null ? "not_used_yet" : null, last.Success));
    }

    // Status and error code only: an exception's message may quote the request.
    internal static string DetailOf(Exception ex) => ex switch
    {
        ReplayStoreUnavailableException { InnerException: { } inner } => DetailOf(inner),
        ReplayStoreUnavailableException => "not_settled",
        RequestFailedException { Status: > 0 } failed => failed.ErrorCode is { Length: > 0 } code ? $"http_{failed.Status}:{Clip(code)}" : $"http_{failed.Status}",
        AggregateException aggregate when aggregate.InnerExceptions.LastOrDefault() is { } last => DetailOf(last),
        TimeoutException or OperationCanceledException or RequestFailedException { InnerException: TimeoutException or OperationCanceledException } => "timeout",
        _ => "unreachable",
    };

    // An error code is a short identifier; anything else is cut, so the detail stays a code.
    private static string Clip(string code) =>
        code.Length <= 40 && code.All(char.IsAsciiLetterOrDigit) ? code : "other";

    private sealed record Outcome(DateTimeOffset? Success, DateTimeOffset? Failure, string? Detail);
}

/// <summary>The replay store in health whichever cache is in place: the table reports its calls; the memory cache is always ok.</summary>
internal sealed class ReplayStoreHealth(IReplayCache cache) : IDependencyHealth
{
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) =>
        cache is IDependencyHealth reporting
            ? reporting.CheckAsync(cancellationToken)
            : ValueTask.FromResult(new DependencyState(ReplayTableHealth.HealthName, HealthStatus.Healthy, "memory"));
}
