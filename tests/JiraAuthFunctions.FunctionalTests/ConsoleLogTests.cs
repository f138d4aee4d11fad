using System.Text;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The standalone host on a server (environment Production) writes one JSON object per line: each
/// decision with its event id and the fields on-call reads (reason, integration, kid, request id)
/// as separate members, and no token or secret. (In Azure, logs go through OpenTelemetry instead:
/// OpenTelemetryExportTests checks what the KQL queries read.)
/// </summary>
public sealed class ConsoleLogTests
{
    private const string Integration = "ci";
    private const string Secret = "console-log-secret-never-logged-0123456789";

    [Fact]
    public async Task Decisions_are_json_lines_with_event_id_reason_integration_kid_and_request_id()
    {
        var data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            var version = (await new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System).SetSecretAsync(SecretNames.ForIntegration(Integration), Secret)).Version;
            var port = Ports.Free();
            using var process = HandlerProcess.Start(data, port, TestApp.SharedSecretIntegration(Integration), out var output);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await HandlerProcess.WaitUntilListeningAsync(client, process, output);

            var now = TimeProvider.System.GetUtcNow();
            var good = TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(now), TestTokens.Hmac(Secret));
            var forged = TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(now), TestTokens.Hmac("not-the-secret-at-all-0123456789"));
            var accepted = await Http.PostEventAsync(client, Integration, Http.Bearer(good));
            var rejected = await Http.PostEventAsync(client, Integration, Http.Bearer(forged));
            Assert.Equal((202, 401), (accepted.Status, rejected.Status));

            var lines = await WaitForLinesAsync(output, EventIds.RequestRejected);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();

            var rejection = Assert.Single(lines, l => l.GetProperty("EventId").GetInt32() == EventIds.RequestRejected).GetProperty("State");
            Assert.Equal("bad_signature", rejection.GetProperty("Reason").GetString());
            Assert.Equal(Integration, rejection.GetProperty("Integration").GetString());
            Assert.Equal(version, rejection.GetProperty("Kid").GetString());
            Assert.Equal(rejected.RequestId, rejection.GetProperty("RequestId").GetString());
            Assert.Equal("401", rejection.GetProperty("StatusCode").ToString());

            var acceptance = Assert.Single(lines, l => l.GetProperty("EventId").GetInt32() == EventIds.EventAccepted).GetProperty("State");
            Assert.Equal(Integration, acceptance.GetProperty("Integration").GetString());
            Assert.Equal(version, acceptance.GetProperty("Kid").GetString());
            Assert.Equal(accepted.RequestId, acceptance.GetProperty("RequestId").GetString());
            Assert.All(lines, l => Assert.True(l.TryGetProperty("Message", out _) && l.TryGetProperty("Category", out _)));

            var scanner = new LeakScanner();
            scanner.AddToken("accepted token", good);
            scanner.AddToken("forged token", forged);
            scanner.AddSecret("shared secret", Secret);
            string all;
            lock (output)
            {
                all = output.ToString();
            }

            Assert.Empty(scanner.Find(all));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The JSON lines written so far, once one with the given event id is among them (the console logger writes in the background).</summary>
    private static async Task<List<JsonElement>> WaitForLinesAsync(StringBuilder output, int eventId)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith('{'))
                .Select(l => JsonDocument.Parse(l).RootElement.Clone())
                .ToList();
            if (lines.Any(l => l.TryGetProperty("EventId", out var id) && id.GetInt32() == eventId))
            {
                return lines;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        lock (output)
        {
            Assert.Fail($"No JSON line with event id {eventId}: {output}");
        }

        return [];
    }
}
