using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Credentials;

/// <summary>
/// One run of the credentials timer: advances the signing keys one step. Started by the Functions
/// host's timer (function CredentialsTimer, every 5 minutes; the host runs one at a time across
/// instances) or, when the app runs on its own, by <see cref="LocalCredentialsScheduler"/>.
/// </summary>
internal sealed partial class CredentialsJob(SigningKeyRotator rotator, ILogger<CredentialsJob> logger)
{
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await rotator.RunAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The type only: a store's message is not ours to vouch for.
            Log.Failed(logger, "signing_keys", ex.GetType().Name);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.CredentialsJobFailed, LogLevel.Error, "Credentials job step {Step} failed ({ErrorType}); it runs again on the next tick.", EventName = "CredentialsJobFailed")]
        public static partial void Failed(ILogger logger, string step, string errorType);
    }
}
