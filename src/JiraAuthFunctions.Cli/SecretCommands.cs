using System.CommandLine;
using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Cli;

/// <summary><c>secret rotate|list</c> for the local file store. Values are never printed.</summary>
internal static class SecretCommands
{
    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The SharedSecret integration." };

        var rotate = new Command("rotate", "Add a new version of the integration's shared secret. The previous version keeps verifying until it is disabled or expires.") { integration };
        rotate.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!settings.TryGetIntegration(name, out var options, context.Error))
            {
                return 2;
            }

            var secretName = options.SharedSecretName ?? SecretNames.ForIntegration(name);
            var created = await settings.SecretStore(context.TimeProvider).SetSecretAsync(
                secretName,
                System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
                new SecretAttributes { Tags = new Dictionary<string, string> { ["integration"] = name, ["createdBy"] = "cli-rotate" } },
                cancellationToken);
            context.Output.WriteLine($"Secret {secretName}: new version {created.Version}. The app picks it up within {SharedSecretKeySource.RefreshInterval.TotalMinutes:0} minutes, or within {SharedSecretKeySource.MinRefetchInterval.TotalSeconds:0} seconds for tokens naming it; the previous version keeps verifying.");
            return 0;
        });

        var list = new Command("list", "Show the versions of the integration's shared secret (never the values).") { integration };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!settings.TryGetIntegration(name, out var options, context.Error))
            {
                return 2;
            }

            var secretName = options.SharedSecretName ?? SecretNames.ForIntegration(name);
            foreach (var version in await settings.SecretStore(context.TimeProvider).GetPropertiesOfSecretVersionsAsync(secretName, cancellationToken))
            {
                context.Output.WriteLine($"{version.Version}\tcreated {version.CreatedOn:u}\tenabled {version.Enabled}\texpires {(version.ExpiresOn is { } e ? e.ToString("u") : "never")}");
            }

            return 0;
        });

        return new Command("secret", "Local shared secrets (the file store under the data folder).") { rotate, list };
    }
}
