using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Credentials;

/// <summary>
/// One run of the credentials timer: renews Jira access tokens that are due, extends Jira dynamic
/// webhooks near their expiry, advances the signing keys one step, warns of shared secrets close to
/// expiry, and sweeps expired rows from a shared replay table (a no-op for the in-memory one). Started by the Functions
/// host's timer (function CredentialsTimer, every 5 minutes; the host runs one at a time across
/// instances) or, when the app runs on its own, by <see cref="LocalCredentialsScheduler"/>.
/// </summary>
internal sealed partial class CredentialsJob(SigningKeyRotator rotator, SharedSecretExpiryMonitor expiry, JiraTokenRenewer jira, JiraWebhookRefresher webhooks, IReplayCache replay, ILogger<CredentialsJob> logger)
{
    /// <summary>Runs every step; one failing step does not stop the others. True when all succeeded.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        // Jira first: a refresh token near its end must not wait behind anything else.
        var jiraTokens = await StepAsync("jira_tokens", () => jira.RunAsync(cancellationToken));
        // Then the webhooks, with the tokens just renewed; a failed extension is a warning of its own
        // (event 441), retried next run: the webhooks have days left by design.
        var jiraWebhooks = await StepAsync("jira_webhooks", () => webhooks.RunAsync(cancellationToken));
        var signingKeys = await StepAsync("signing_keys", () => rotator.RunAsync(cancellationToken));
        var sharedSecrets = await StepAsync("shared_secret_expiry", () => expiry.RunAsync(cancellationToken));
        var replayRows = await StepAsync("replay_sweep", () => replay.SweepExpiredAsync(cancellationToken).AsTask());
        return jiraTokens && jiraWebhooks && signingKeys && sharedSecrets && replayRows;
    }

    private async Task<bool> StepAsync(string step, Func<Task> run)
    {
        try
        {
            await run();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Our own store and lease failures name the service, status and error code (never a value);
            // any other exception only its type: its message is not ours to vouch for.
            var detail = ex is SecretStoreUnavailableException or LeaseUnavailableException ? ex.Message : "no detail";
            Log.Failed(logger, step, ex.GetType().Name, detail);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.CredentialsJobFailed, LogLevel.Error, "Credentials job step {Step} failed ({ErrorType}: {Detail}); it runs again on the next tick.", EventName = "CredentialsJobFailed")]
        public static partial void Failed(ILogger logger, string step, string errorType, string detail);
    }
}
