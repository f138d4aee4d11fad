using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Every attack case and good requests against one app (logging at Debug), then everything the
/// app said (every log entry with its state, every response header and body, the event files) is
/// searched for the tokens sent, their payloads and signatures, webhook signatures, the shared and
/// webhook secrets and the keys (Forge's signing key among them).
/// </summary>
public sealed class LogScanTests(AttackApp f) : IClassFixture<AttackApp>
{
    private static readonly string SyntheticSecret = "planted-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    [Fact]
    public async Task No_token_signature_payload_secret_or_key_appears_in_logs_responses_or_event_files()
    {
        var scanner = new LeakScanner();
        var replies = new List<Reply>();
        var rejections = 0;
        foreach (var (name, status, reason) in AttackCases.Table)
        {
            var attempt = AttackCases.Build(f, name);
            var sent = await AttackCases.SendAsync(f, attempt);
            AttackCases.AssertOutcome(f, attempt, sent[^1], status, reason);
            replies.AddRange(sent);
            rejections += status is 200 or 202 or 204 || attempt.IsTokenRequest ? 0 : 1; // a lifecycle 204 logs 240-242, a token request 285/286, not 201
            foreach (var request in attempt.RefusedBefore.Append(attempt).Append(attempt.Before))
            {
                AddCredentials(scanner, name, request);
            }
        }

        foreach (var body in new[] { Http.WebhookEvent, JiraFormat, AutomationFormat })
        {
            var token = f.Hs();
            scanner.AddToken("good request", token);
            var reply = await f.App.PostEventAsync("hs", Http.Bearer(token), body);
            Outcome.AssertAccepted(f.App, reply, "hs");
            replies.Add(reply);
        }

        // Connect: every token the fixture made (lifecycle and requests), every tenant shared secret
        // (sent in install bodies, stored in the secret store), the install key.
        foreach (var token in f.ConnectTokens)
        {
            scanner.AddToken("connect token", token);
        }

        foreach (var secret in f.ConnectSecrets.Concat(f.Tenants.Values).Append(f.GoneSecret))
        {
            scanner.AddSecret("connect shared secret", secret);
        }

        scanner.AddPem("install public key", f.InstallKey.ExportSubjectPublicKeyInfoPem());
        scanner.AddPem("install private key", f.InstallKey.ExportPkcs8PrivateKeyPem());
        Assert.True(f.ConnectTokens.Count >= 40 && f.ConnectSecrets.Count >= 10, "the Connect rows registered their tokens and secrets");

        // A token in the jwt query parameter is part of the URL, which ASP.NET Core's own request
        // log (Microsoft.AspNetCore.Hosting, Information; at Trace here) writes: redacted there too
        // (QueryTokenRedaction), so no log line carries it, the framework's included.
        var urlScanner = new LeakScanner();
        foreach (var token in f.ConnectTokensInUrl)
        {
            urlScanner.AddToken("connect token in the query", token);
        }

        Assert.NotEqual(0, urlScanner.Count);
        Assert.Contains(f.App.Logs.Entries, e => e.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && e.Message.Contains("jwt=" + QueryTokenRedaction.Marker, StringComparison.Ordinal));
        var appLogText = f.App.Logs.AllText();

        await AddStoredSecretsAsync(scanner);
        scanner.AddSecret("hs secret", AttackApp.Secret);
        scanner.AddSecret("OAuth app client secret", AttackApp.ClientSecret);
        scanner.AddSecret("token endpoint client secret of cc", f.CcClientSecret);
        scanner.AddSecret("token endpoint client secret of cc-other", f.OtherCcClientSecret);
        scanner.AddSecret("webhook secret", AttackApp.HookSecret);
        scanner.AddSecret("previous webhook secret", AttackApp.PreviousHookSecret);
        scanner.AddPem("Forge private key", AttackApp.ForgeRsa.ExportPkcs8PrivateKeyPem());
        scanner.AddPem("RSA public key", AttackApp.Rsa.ExportSubjectPublicKeyInfoPem());
        scanner.AddPem("RSA private key", AttackApp.Rsa.ExportPkcs8PrivateKeyPem());
        scanner.AddPem("EC public key", AttackApp.Ec.ExportSubjectPublicKeyInfoPem());
        scanner.AddPem("EC private key", AttackApp.Ec.ExportPkcs8PrivateKeyPem());
        scanner.AddPem("PS256 private key", AttackApp.PsRsa.ExportPkcs8PrivateKeyPem());
        scanner.AddPem("JWKS RS256 private key", AttackApp.JwksRs.ExportPkcs8PrivateKeyPem());
        scanner.AddPem("JWKS PS256 private key", AttackApp.JwksPs.ExportPkcs8PrivateKeyPem());

        var logText = f.App.Logs.AllText();
        var eventFiles = Directory.GetFiles(Path.Combine(f.App.DataPath, "events"), "*.jsonl").Select(File.ReadAllText).ToList();

        // The scan covered what it should: one rejection line per rejected case, debug lines included.
        Assert.True(f.App.Logs.WithEventId(EventIds.RequestRejected).Count() >= rejections);
        Assert.Contains(f.App.Logs.Entries, e => e.Level == LogLevel.Debug && e.Category.StartsWith("JiraAuthFunctions", StringComparison.Ordinal));
        Assert.Contains(f.App.Logs.Entries, e => e.Level == LogLevel.Trace && e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.NotEmpty(eventFiles);
        Assert.Empty(scanner.Find(logText));
        Assert.All(replies, r => Assert.Empty(scanner.Find(r.AllText())));
        Assert.All(eventFiles, text => Assert.Empty(scanner.Find(text)));
        Assert.Empty(urlScanner.Find(appLogText));
        Assert.All(replies, r => Assert.Empty(urlScanner.Find(r.AllText())));
        Assert.All(eventFiles, text => Assert.Empty(urlScanner.Find(text)));
    }

    [Fact]
    public void Scanner_finds_a_planted_secret_in_each_form_a_token_and_its_segments_and_a_pem_line()
    {
        var scanner = new LeakScanner();
        scanner.AddSecret("planted", SyntheticSecret);
        var token = TestTokens.Create(TestTokens.Header("HS256"), TestTokens.Claims(DateTimeOffset.UnixEpoch), TestTokens.Hmac(SyntheticSecret));
        scanner.AddToken("planted token", token);
        var pem = AttackApp.Ec.ExportPkcs8PrivateKeyPem();
        scanner.AddPem("planted key", pem);
        var bytes = Encoding.UTF8.GetBytes(SyntheticSecret);
        var segments = token.Split('.');

        Assert.Equal(["planted: as given"], scanner.Find($"connecting with key={SyntheticSecret};"));
        // Without padding, base64url is a prefix of base64 whenever there is no '+' or '/'; both count.
        Assert.Contains("planted: base64", scanner.Find($"Authorization: Basic {Convert.ToBase64String(bytes)}"));
        Assert.Equal(["planted: base64url"], scanner.Find($"k={System.Buffers.Text.Base64Url.EncodeToString(bytes)}"));
        Assert.Contains("planted token: token", scanner.Find($"Bearer {token}"));
        Assert.Equal(["planted token: payload segment"], scanner.Find($"claims {segments[1]} were"));
        Assert.Equal(["planted token: signature segment"], scanner.Find($"sig={segments[2]}"));
        Assert.Equal(["planted key: PEM line 2"], scanner.Find($"line: {pem.Split('\n')[2]}"));
        Assert.Empty(scanner.Find(Http.WebhookEvent + token[..10]));
    }

    [Fact]
    public void Scan_of_captured_logs_sees_a_secret_logged_as_a_state_value_or_an_exception()
    {
        var logs = new LogCapture();
        var logger = logs.CreateLogger("Leaky");
        var scanner = new LeakScanner();
        scanner.AddSecret("planted", SyntheticSecret);
        var clean = logs.AllText();

        logger.LogInformation("Loaded secret {Name} with value {Value}", "inbound-x", "[redacted]");
        logger.LogError(new InvalidOperationException("Bad key " + Convert.ToBase64String(Encoding.UTF8.GetBytes(SyntheticSecret))), "Refresh failed");
        logger.LogDebug("Value {Value}", SyntheticSecret);

        Assert.Empty(scanner.Find(clean));
        var found = scanner.Find(logs.AllText());
        Assert.Contains("planted: as given", found);
        Assert.Contains("planted: base64", found);
    }

    private static string JiraFormat => """{"issue":{"key":"OPS-2","fields":{"summary":"Jira format"}},"user":{"accountId":"5b10a2844c20165700ede21g"}}""";

    private static string AutomationFormat => """{"key":"OPS-3","fields":{"summary":"Automation format","status":{"name":"Open"}}}""";

    // What an attempt carries that must never be echoed: its bearer token (and segments) and its webhook signature.
    private static void AddCredentials(LeakScanner scanner, string name, Attempt? attempt)
    {
        if (attempt?.Authorization is { } authorization)
        {
            var credentials = authorization[(authorization.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            scanner.AddToken(name, credentials);
            scanner.AddSecret(name + " credentials", credentials);
        }

        if (attempt is not null && attempt.Headers.TryGetValue("X-Hub-Signature", out var signature))
        {
            scanner.AddSecret(name + " signature", signature);
            scanner.AddSecret(name + " signature hex", signature[(signature.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        }
    }

    private async Task AddStoredSecretsAsync(LeakScanner scanner)
    {
        // Every version of every shared secret the app holds: the test's own and the seeded ones.
        var store = f.App.Services.GetRequiredService<ISecretStore>();
        var integrations = f.App.Services.GetRequiredService<IOptions<InboundOptions>>().Value.Integrations;
        // OAuthApp integrations verify with their Jira connection's client secret: scanned the same way.
        var names = integrations.Where(i => i.Value.Verification is VerificationMethod.SharedSecret or VerificationMethod.WebhookSecret)
            .Select(i => i.Value.SharedSecretName ?? SecretNames.ForIntegration(i.Key))
            .Concat(integrations.Where(i => i.Value.Verification == VerificationMethod.OAuthApp)
                .Select(i => JiraAuthFunctions.Jira.JiraSecretNames.ClientSecret(i.Value.JiraConnection!)));
        var count = 0;
        foreach (var name in names)
        {
            foreach (var version in await store.GetPropertiesOfSecretVersionsAsync(name))
            {
                scanner.AddSecret($"secret {name}/{version.Version}", (await store.GetSecretAsync(name, version.Version))!.Value);
                count++;
            }
        }

        Assert.True(count >= 7, $"Expected the hs secret (two versions), the webhook secret (two versions), the OAuth app's client secret and the seeded demo secrets; found {count}.");
    }
}
