using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// On a fresh clone, creates the missing shared secrets of SharedSecret integrations in the local
/// file store (32 random bytes each), so the app runs and tokens can be minted at once. Runs only
/// when the secret store is the local file store.
/// </summary>
internal sealed partial class LocalSecretSeeder(
    ISecretStore store,
    IOptions<InboundOptions> options,
    ILogger<LocalSecretSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if ((store is MeteredSecretStore metered ? metered.Inner : store) is not FileSecretStore)
        {
            return;
        }

        foreach (var (name, integration) in options.Value.Integrations)
        {
            if (integration.Verification != VerificationMethod.SharedSecret)
            {
                continue;
            }

            var secretName = integration.SharedSecretName ?? SecretNames.ForIntegration(name);
            if (await store.GetSecretAsync(secretName, cancellationToken: cancellationToken) is not null)
            {
                continue;
            }

            var value = Base64UrlValue(RandomNumberGenerator.GetBytes(32));
            await store.SetSecretAsync(secretName, value, new SecretAttributes { Tags = new Dictionary<string, string> { ["integration"] = name, ["createdBy"] = "local-seed" } }, cancellationToken);
            Log.SecretCreated(logger, secretName, name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static string Base64UrlValue(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static partial class Log
    {
        [LoggerMessage(EventIds.SecretCreated, LogLevel.Information, "Created local shared secret {SecretName} for integration {Integration}.", EventName = "SecretCreated")]
        public static partial void SecretCreated(ILogger logger, string secretName, string integration);
    }
}
