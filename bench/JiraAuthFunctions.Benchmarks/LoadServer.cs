using Microsoft.AspNetCore.Builder;
using System.Text;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// The app, as built by <see cref="HandlerApp"/>, for a load generator in another process. With
/// <c>--auth off</c> the validator is replaced by one that accepts everything: the switch exists
/// only in this benchmark, so the production app has no way to turn authentication off. Both modes
/// receive the same requests (same token header) and write to the same kind of sink.
/// </summary>
internal static class LoadServer
{
    public const string Integration = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var auth = Arg(args, "--auth") ?? "on";
        var port = Arg(args, "--port") ?? "7199";
        var data = Path.GetFullPath(Arg(args, "--data") ?? Path.Combine(Path.GetTempPath(), "jiraauth-bench-serve"));
        var logLevel = Arg(args, "--log") ?? "Warning";

        var app = HandlerApp.Build(
            [
                $"--urls=http://127.0.0.1:{port}",
                $"--DataPath={data}",
                // Logs at Warning by default: the console would otherwise set the pace for every mode
                // alike (--log Information writes the decision lines, to the console run.sh sends to a file).
                $"--Logging:LogLevel:Default={logLevel}",
                .. IntegrationArgs(),
            ],
            services =>
            {
                if (auth == "off")
                {
                    services.AddSingleton<ITokenValidator, AcceptEveryToken>();
                }
            });
        // For bench/run.sh: the process's allocated bytes before and after a measured load give bytes per request.
        app.MapGet("/bench/allocated", () => GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await app.StartAsync();

        // The same token in both modes: a Jira automation rule's long-lived token.
        var store = app.Services.GetRequiredService<ISecretStore>();
        var token = await MintAsync(store, TimeProvider.System);
        await File.WriteAllTextAsync(Path.Combine(data, "token.txt"), token);
        Console.WriteLine($"serving with authentication {auth} on port {port}; token in {data}/token.txt");
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>Configuration for the benchmark integration: HS256, long-lived rule token (no per-request replay).</summary>
    public static IEnumerable<string> IntegrationArgs()
    {
        var prefix = $"--Inbound:Integrations:{Integration}";
        yield return $"{prefix}:Verification=SharedSecret";
        yield return $"{prefix}:Issuers:0=bench";
        yield return $"{prefix}:Audience=jira-auth-functions";
        yield return $"{prefix}:Algorithms:0=HS256";
        yield return $"{prefix}:RequiredScopes:0=events:write";
        yield return $"{prefix}:MaxTokenLifetime=90.00:00:00";
        yield return $"{prefix}:Replay=LongLivedToken";
    }

    /// <summary>A token for the benchmark integration, signed with the current secret (created if missing).</summary>
    public static async Task<string> MintAsync(ISecretStore store, TimeProvider time)
    {
        var name = SecretNames.ForIntegration(Integration);
        var secret = await store.GetSecretAsync(name)
            ?? await store.GetSecretAsync(name, (await store.SetSecretAsync(name, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))).Version);
        var now = time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "bench",
            Audience = "jira-auth-functions",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddDays(30),
            Claims = new Dictionary<string, object> { ["sub"] = "bench-rule", ["jti"] = Guid.NewGuid().ToString("N"), ["scope"] = "events:write" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret!.Value)) { KeyId = secret.Properties.Version }, "HS256"),
        });
    }

    public static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class AcceptEveryToken : ITokenValidator
    {
        private static readonly TokenCheck Accepted = TokenCheck.Accept(new CallerInfo("bench", "bench", "bench-rule", null, "HS256"));

        public ValueTask<TokenCheck> ValidateAsync(string integrationName, string? token, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Accepted);
    }
}
