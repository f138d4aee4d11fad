using System.Net.Sockets;
using System.Text;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// A token in the URL (<c>?jwt=</c>, as Atlassian Connect may send it; <c>?access_token=</c>) must
/// reach the authenticator and no log line, whatever level an operator turns logging to: the real
/// handler process over loopback with <c>Logging:LogLevel:Default</c> and <c>Microsoft.AspNetCore</c>
/// at Trace set through its configuration, so ASP.NET Core's request log ("Request starting ...
/// ?jwt=..."), routing and Kestrel (a bad request line quotes its target) all write, and every line
/// the process wrote is scanned.
/// </summary>
public sealed class QueryTokenLogTests
{
    private const string Integration = "ci";
    private const string Secret = "query-token-log-secret-0123456789abcdefgh";
    private const string Tenant = "jira:query-log-tenant";

    [Fact]
    public async Task A_token_in_the_query_string_is_used_but_never_logged_at_trace()
    {
        var data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        await using var installKeys = await FakeInstallKeys.StartAsync();
        try
        {
            var version = (await new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System).SetSecretAsync(SecretNames.ForIntegration(Integration), Secret)).Version;
            var installKey = installKeys.Publish(AttackApp.InstallKid);
            var settings = Integrations.Merge(
                new()
                {
                    // As an operator would turn logging up to investigate: every category, the framework's too.
                    ["Logging:LogLevel:Default"] = "Trace",
                    ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                },
                TestApp.SharedSecretIntegration(Integration),
                ConnectCalls.Settings(installKeys.BaseUrl));
            var port = Ports.Free();
            using var process = HandlerProcess.Start(data, port, settings, out var output);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await HandlerProcess.WaitUntilListeningAsync(client, process, output);

            var now = TimeProvider.System.GetUtcNow();
            var tenantSecret = ConnectCalls.NewSecret();
            var install = await ConnectCalls.PostAsync(client, ConnectCalls.AppPath + "/installed",
                "JWT " + ConnectCalls.Rs(ConnectCalls.LifecycleClaims(now, Tenant, "installed"), installKey, AttackApp.InstallKid),
                ConnectCalls.Payload(Tenant, tenantSecret, "installed"), "query-log-install");
            Assert.Equal(204, install.Status);

            var scanner = new LeakScanner();
            string Sent(string label, string token)
            {
                scanner.AddToken(label, token);
                // A logged prefix (Kestrel quotes at most 128 characters of a bad target) is a leak too.
                scanner.AddSecret(label + " prefix", token[..40]);
                return token;
            }

            // Connect's query token reaches the authenticator: accepted (202), so the redaction is in the logs only.
            var connectToken = Sent("connect jwt in the query", ConnectCalls.Hs(ConnectCalls.Claims(now, Tenant, ConnectCalls.Qsh(ConnectCalls.EventCanonical)), tenantSecret));
            var accepted = await ConnectCalls.PostAsync(client, ConnectCalls.EventPath + "&jwt=" + connectToken, null, Http.WebhookEvent, "query-log-connect");
            Assert.True(accepted.Status == 202, $"{accepted.Status} {accepted.Body}");

            // Tokens in the URL where no scheme reads them: refused, and not logged either.
            var hsToken = Sent("access_token in the query", TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(now), TestTokens.Hmac(Secret)));
            using (var response = await client.PostAsync(new Uri($"/api/jira/events/{Integration}?access_token={hsToken}&x=1", UriKind.Relative), new StringContent(Http.WebhookEvent, Encoding.UTF8, "application/json")))
            {
                Assert.Equal(401, (int)response.StatusCode);
            }

            var firstToken = Sent("jwt first in the query", TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(now), TestTokens.Hmac(Secret)));
            using (var response = await client.PostAsync(new Uri($"/api/jira/events/{Integration}?JWT={firstToken}", UriKind.Relative), new StringContent(Http.WebhookEvent, Encoding.UTF8, "application/json")))
            {
                Assert.Equal(401, (int)response.StatusCode);
            }

            // A request line Kestrel refuses (no HTTP version): its bad-request log quotes the line.
            var badLineToken = Sent("jwt in a bad request line", TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(now), TestTokens.Hmac(Secret)));
            await SendRawAsync(port, $"POST /api/jira/events/{Integration}?jwt={badLineToken}\r\nHost: 127.0.0.1\r\n\r\n");

            await WaitForAsync(output, "accepted for conn", "Request finished", "bad request data");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            string all;
            lock (output)
            {
                all = output.ToString();
            }

            // The scan saw what it is about: the request log, routing and Kestrel lines, each query with its value redacted.
            Assert.Contains("Request starting", all, StringComparison.Ordinal);
            Assert.Contains("Microsoft.AspNetCore.Routing", all, StringComparison.Ordinal);
            Assert.Contains("Microsoft.AspNetCore.Server.Kestrel", all, StringComparison.Ordinal);
            Assert.Contains("bad request data", all, StringComparison.Ordinal);
            Assert.Empty(scanner.Find(all));
            Assert.Contains("jwt=[redacted]", all, StringComparison.Ordinal);
            Assert.Contains("access_token=[redacted]", all, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Writes the bytes and reads what comes back (Kestrel may answer 400 or just close).</summary>
    private static async Task<string> SendRawAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>Until the console logger (it writes in the background) has written every given text.</summary>
    private static async Task WaitForAsync(StringBuilder output, params string[] texts)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            lock (output)
            {
                var text = output.ToString();
                if (texts.All(t => text.Contains(t, StringComparison.Ordinal)))
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        lock (output)
        {
            Assert.Fail($"The process did not log all of {string.Join(", ", texts)}: {output}");
        }
    }
}
