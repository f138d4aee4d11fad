using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Cli;

/// <summary><c>token mint</c>: a token for a SharedSecret integration, signed with its current local secret.</summary>
internal static class TokenCommands
{
    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The integration to mint for, e.g. demo." };
        var scopes = new Option<string[]>("--scope") { Description = "Scopes to grant (default: the integration's required scopes).", AllowMultipleArgumentsPerToken = true };
        var lifetime = new Option<TimeSpan?>("--lifetime") { Description = "Token lifetime, e.g. 00:05:00 (default 5 minutes; a LongLivedToken integration's default is its MaxTokenLifetime)." };
        var subject = new Option<string>("--subject") { Description = "The sub claim.", DefaultValueFactory = _ => "local-admin" };
        var audience = new Option<string?>("--audience") { Description = "Override aud (for trying a rejection)." };
        var issuer = new Option<string?>("--issuer") { Description = "Override iss (for trying a rejection)." };
        var secretStdin = new Option<bool>("--secret-stdin") { Description = "Read the shared secret's value from stdin (e.g. piped from az keyvault secret show) instead of the local store; needs --secret-version." };
        var secretVersion = new Option<string?>("--secret-version") { Description = "With --secret-stdin: the secret's version id, which becomes the token's kid." };

        var mint = new Command("mint", "Print a signed token for an integration on stdout; its jti and jti hash go to stderr.")
        {
            integration, scopes, lifetime, subject, audience, issuer, secretStdin, secretVersion,
        };
        mint.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!settings.TryGetIntegration(name, out var options, context.Error))
            {
                return 2;
            }

            if (options.Verification != VerificationMethod.SharedSecret)
            {
                context.Error.WriteLine($"Integration '{name}' verifies with {options.Verification}: its tokens are signed by the caller's own key, not by this CLI.");
                return 2;
            }

            var secretName = options.SharedSecretName ?? SecretNames.ForIntegration(name);
            SecretValue? secret;
            if (parse.GetValue(secretStdin))
            {
                // A secret held in Key Vault: the admin pipes its value in; it is never echoed.
                var version = parse.GetValue(secretVersion);
                var value = (await context.Input.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
                if (string.IsNullOrEmpty(version) || value.Length == 0)
                {
                    context.Error.WriteLine("--secret-stdin needs the secret's value on stdin and --secret-version <version id> (the token's kid).");
                    return 2;
                }

                secret = new SecretValue(new SecretProperties { Name = secretName, Version = version }, value);
            }
            else
            {
                var store = settings.SecretStore(context.TimeProvider);
                secret = await store.GetSecretAsync(secretName, cancellationToken: cancellationToken);
                if (secret is null || !secret.Properties.IsUsableAt(context.TimeProvider.GetUtcNow()))
                {
                    context.Error.WriteLine($"No usable secret '{secretName}' in {store.FilePath}. Start the app once (it creates local secrets) or run: jiraauth secret rotate {name}");
                    return 1;
                }
            }

            var now = context.TimeProvider.GetUtcNow();
            var tokenLifetime = parse.GetValue(lifetime)
                ?? (options.Replay == ReplayProtection.LongLivedToken ? options.MaxTokenLifetime : TimeSpan.FromMinutes(5));
            var jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var granted = parse.GetValue(scopes) is { Length: > 0 } s ? s : options.RequiredScopes.ToArray();
            var algorithm = options.Algorithms.FirstOrDefault() ?? SecurityAlgorithms.HmacSha256;

            var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret.Value)) { KeyId = secret.Properties.Version };
            var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = parse.GetValue(issuer) ?? options.Issuers.FirstOrDefault(),
                Audience = parse.GetValue(audience) ?? options.Audience,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = (now + tokenLifetime).UtcDateTime,
                Claims = new Dictionary<string, object>
                {
                    ["sub"] = parse.GetValue(subject)!,
                    ["jti"] = jti,
                    ["scope"] = string.Join(' ', granted),
                },
                SigningCredentials = new SigningCredentials(key, algorithm),
            });

            context.Output.WriteLine(token);
            context.Error.WriteLine($"jti {jti} (jti hash {JtiHash.Compute(jti)}), expires {(now + tokenLifetime):u}, integration {name}, replay {options.Replay}.");
            return 0;
        });

        return new Command("token", "Tokens for trying the app.") { mint };
    }
}
