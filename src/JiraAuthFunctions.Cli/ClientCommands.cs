using System.CommandLine;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// <c>client create|rotate</c>: the token endpoint's client of a ClientCredentials integration. The
/// client id and the new secret are printed once, to stdout; the store keeps only a salted hash.
/// </summary>
internal static class ClientCommands
{
    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The ClientCredentials integration." };
        var overlap = new Option<TimeSpan>("--overlap")
        {
            Description = "How long the previous secret keeps working after a rotation (default 1.00:00:00; 00:00:00 ends it now).",
            DefaultValueFactory = _ => TimeSpan.FromDays(1),
        };

        var create = new Command("create", "Create the integration's client: prints client_id and client_secret once.") { integration };
        create.SetAction(async (parse, cancellationToken) =>
        {
            if (Resolve(context, parse, integration) is not { } target)
            {
                return 2;
            }

            var (settings, name) = target;
            var store = settings.SecretStore(context.TimeProvider);
            var now = context.TimeProvider.GetUtcNow();
            if ((await store.GetPropertiesOfSecretVersionsAsync(ClientId.SecretName(name), cancellationToken)).Any(v => v.IsUsableAt(now)))
            {
                context.Error.WriteLine($"Integration '{name}' has a client already: jiraauth client rotate {name} gives it a new secret.");
                return 1;
            }

            return await AddVersionAsync(context, store, name, ClientId.New(name), "cli-create", cancellationToken);
        });

        var rotate = new Command("rotate", "Give the client a new secret (same client id): prints it once; the previous secret works for --overlap.") { integration, overlap };
        rotate.SetAction(async (parse, cancellationToken) =>
        {
            if (Resolve(context, parse, integration) is not { } target)
            {
                return 2;
            }

            var (settings, name) = target;
            var store = settings.SecretStore(context.TimeProvider);
            var now = context.TimeProvider.GetUtcNow();
            var usable = (await store.GetPropertiesOfSecretVersionsAsync(ClientId.SecretName(name), cancellationToken))
                .Where(v => v.IsUsableAt(now) && v.Tags.ContainsKey(ClientId.Tag))
                .OrderByDescending(v => v.CreatedOn)
                .ToList();
            if (usable.Count == 0)
            {
                context.Error.WriteLine($"Integration '{name}' has no client yet: jiraauth client create {name}.");
                return 1;
            }

            var code = await AddVersionAsync(context, store, name, usable[0].Tags[ClientId.Tag], "cli-rotate", cancellationToken);

            // The secret that was current works for the overlap; anything older stops now.
            await store.UpdateSecretPropertiesAsync(usable[0] with { ExpiresOn = now + parse.GetValue(overlap) }, cancellationToken);
            foreach (var older in usable.Skip(1))
            {
                await store.UpdateSecretPropertiesAsync(older with { Enabled = false }, cancellationToken);
            }

            context.Error.WriteLine($"The previous secret works until {now + parse.GetValue(overlap):u}; the app accepts the new one within {ClientSecrets.MinRefetchInterval.TotalSeconds:0} s (a secret it does not hold makes it re-read the store, at most that often).");
            return code;
        });

        return new Command("client", "The token endpoint's clients (POST /api/oauth/token, client credentials).") { create, rotate };
    }

    private static (CliSettings Settings, string Name)? Resolve(CliContext context, ParseResult parse, Argument<string> integration)
    {
        var settings = context.Settings(parse);
        var name = parse.GetValue(integration)!;
        if (!settings.TryGetIntegration(name, out var options, context.Error))
        {
            return null;
        }

        if (options.Verification != VerificationMethod.ClientCredentials)
        {
            context.Error.WriteLine($"Integration '{name}' verifies with {options.Verification}: only a ClientCredentials integration has a token-endpoint client.");
            return null;
        }

        return (settings, name);
    }

    private static async Task<int> AddVersionAsync(CliContext context, FileSecretStore store, string integration, string clientId, string createdBy, CancellationToken cancellationToken)
    {
        var (secret, stored) = ClientSecretHash.Create();
        var version = await store.SetSecretAsync(ClientId.SecretName(integration), stored, new SecretAttributes
        {
            ContentType = ClientSecretHash.ContentType,
            Tags = new Dictionary<string, string> { [ClientId.Tag] = clientId, ["integration"] = integration, ["createdBy"] = createdBy },
        }, cancellationToken);

        // The only place the secret ever appears: stdout, once. Not stored, not logged.
        context.Output.WriteLine($"client_id={clientId}");
        context.Output.WriteLine($"client_secret={secret}");
        context.Error.WriteLine($"Secret {ClientId.SecretName(integration)}: new version {version.Version} (its hash only). Put the secret into the rule now (a hidden header); it is not shown again.");
        return 0;
    }
}
