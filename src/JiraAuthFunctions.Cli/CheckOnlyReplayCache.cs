using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// For <c>jiraauth check</c>: a replay cache that records nothing, so checking a token never uses up
/// its jti. It cannot see the running app's replay state (its memory, or the replay table), so it
/// answers "first use" for every jti: a replay is the one refusal <c>check</c> cannot predict.
/// </summary>
internal sealed class CheckOnlyReplayCache : IReplayCache
{
    public ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(true);
}
