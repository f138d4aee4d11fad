using JiraAuthFunctions.Credentials;
using Microsoft.Azure.Functions.Worker;

namespace JiraAuthFunctions.Functions;

/// <summary>
/// The credentials job every 5 minutes. <c>UseMonitor</c>: the host keeps one schedule across
/// instances (a lock in its storage), so one run at a time. A failed step (event id 410) fails the
/// invocation, so the Functions view and the <c>requests</c> table show it as failed.
/// Run it now: <c>POST /admin/functions/CredentialsTimer</c> with the master key.
/// </summary>
public static class CredentialsTimerFunction
{
    public const string Schedule = "0 */5 * * * *";

    [Function(CredentialsServiceCollectionExtensions.TimerFunctionName)]
    public static async Task Run([TimerTrigger(Schedule, UseMonitor = true)] TimerInfo timer, FunctionContext context)
    {
        if (!await context.Service<CredentialsJob>().RunAsync(context.CancellationToken))
        {
            throw new CredentialsJobFailedException();
        }
    }
}
