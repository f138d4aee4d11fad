using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// For <c>jiraauth check</c>: a replay cache that records nothing the app can see, so checking a
/// token never uses up its jti. It cannot see the running app's replay state (its memory, or the
/// replay table), so it answers "first use" for every jti: a replay is the one refusal <c>check</c>
/// cannot predict. A reservation lives in this process's memory only and ends with it.
/// </summary>
internal sealed class CheckOnlyReplayCache : IReplayCache
{
    private readonly MemoryReplayCache _local = new(TimeProvider.System);

    public ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(true);

    public ValueTask<ReplayReservation?> TryReserveAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        _local.TryReserveAsync(integration, jti, expiresOn, cancellationToken);
}
