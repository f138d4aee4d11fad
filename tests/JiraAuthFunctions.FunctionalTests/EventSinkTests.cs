using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// What a 202 promises: the event is in the JSON-lines file under the returned eventId, with its
/// payload, and stays there when the process dies the moment after answering.
/// </summary>
public sealed class EventSinkTests
{
    private const string Integration = "sink";
    private const string Secret = "event-sink-shared-secret-0123456789-abcdefghij";

    [Fact]
    public async Task Accepted_event_is_in_the_sink_file_under_its_event_id_with_the_payload_verbatim()
    {
        await using var app = await StartAppAsync();
        var claims = TestTokens.Claims(TimeProvider.System.GetUtcNow());

        var reply = await app.PostEventAsync(Integration, Http.Bearer(Sign(claims)), Http.WebhookEvent);

        Outcome.AssertAccepted(app, reply, Integration);
        var line = Assert.Single(ReadLines(app.DataPath), l => l.EventId == reply.EventId);
        Assert.Equal(Http.WebhookEvent, line.Root.GetProperty("event").GetRawText());
        Assert.Equal(Integration, line.Root.GetProperty("integration").GetString());
        Assert.Equal("webhook", line.Root.GetProperty("format").GetString());
        var caller = line.Root.GetProperty("caller");
        Assert.Equal(TestTokens.Issuer, caller.GetProperty("issuer").GetString());
        Assert.Equal("rule-42", caller.GetProperty("subject").GetString());
        Assert.Equal(JtiHash.Compute((string)claims["jti"]!), caller.GetProperty("jtiHash").GetString());
        Assert.True(line.Root.GetProperty("receivedAt").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task Payload_with_non_ascii_text_escapes_and_numbers_is_stored_as_the_same_json_value()
    {
        await using var app = await StartAppAsync();
        const string Body = "{\n  \"webhookEvent\": \"jira:issue_updated\",\n  \"issue\": {\"key\": \"ÄÖ-7\", \"fields\": {\"summary\": \"Größe <b>&amp; \\\"q\\\" \\u00e9 😀 \\n line\", \"points\": 1.50e3, \"labels\": [true, null, -0]}}\n}";

        var reply = await app.PostEventAsync(Integration, Http.Bearer(Sign()), Body);

        Outcome.AssertAccepted(app, reply, Integration);
        var line = Assert.Single(ReadLines(app.DataPath), l => l.EventId == reply.EventId);
        using var sent = JsonDocument.Parse(Body);
        Assert.True(JsonElement.DeepEquals(sent.RootElement, line.Root.GetProperty("event")), line.Text);
        Assert.Equal("1.50e3", line.Root.GetProperty("event").GetProperty("issue").GetProperty("fields").GetProperty("points").GetRawText());
        Assert.Contains("Größe <b>&amp;", line.Text, StringComparison.Ordinal); // readable for a person, not \u-escaped
    }

    [Theory]
    [InlineData("""{"webhookEvent":"jira:issue_created","timestamp":1718000000000,"issue":{"key":"OPS-1","fields":{"summary":"A"}}}""", "webhook")]
    [InlineData("""{"issue":{"key":"OPS-2","fields":{"summary":"B"}},"user":{"accountId":"abc"}}""", "jira_format")]
    [InlineData("""{"key":"OPS-3","fields":{"summary":"C","status":{"name":"Open"}}}""", "automation_format")]
    public async Task Each_jira_format_is_accepted_and_recorded_with_its_format(string body, string format)
    {
        await using var app = await StartAppAsync();

        var reply = await app.PostEventAsync(Integration, Http.Bearer(Sign()), body);

        Outcome.AssertAccepted(app, reply, Integration);
        var line = Assert.Single(ReadLines(app.DataPath));
        Assert.Equal(reply.EventId, line.EventId);
        Assert.Equal(format, line.Root.GetProperty("format").GetString());
        Assert.Equal(body, line.Root.GetProperty("event").GetRawText());
        Assert.Equal(format, Outcome.DecisionsFor(app, reply.RequestId).Single()["Format"]);
    }

    [Fact]
    public async Task Two_hundred_concurrent_requests_give_two_hundred_distinct_complete_lines()
    {
        await using var app = await StartAppAsync();
        var now = TimeProvider.System.GetUtcNow();
        var tokens = Enumerable.Range(0, 200).Select(_ => Http.Bearer(Sign(TestTokens.Claims(now)))).ToList();

        var replies = await Task.WhenAll(tokens.Select((token, i) =>
            app.PostEventAsync(Integration, token, $$$"""{"webhookEvent":"jira:issue_updated","issue":{"key":"LOAD-{{{i}}}"}}""")));

        Assert.All(replies, r => Assert.Equal(202, r.Status));
        var eventIds = replies.Select(r => r.EventId).ToHashSet();
        Assert.Equal(200, eventIds.Count);
        var lines = ReadLines(app.DataPath);
        Assert.Equal(200, lines.Count);
        Assert.True(eventIds.SetEquals(lines.Select(l => l.EventId)));
        Assert.Equal(
            Enumerable.Range(0, 200).Select(i => $"LOAD-{i}").Order(),
            lines.Select(l => l.Root.GetProperty("event").GetProperty("issue").GetProperty("key").GetString()!).Order());
    }

    [Fact]
    public async Task Every_acknowledged_event_survives_a_kill_9_of_the_app_process()
    {
        const int Acknowledged = 60;
        var data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            // Under the Functions host the environment is Production: no demo integrations, so ours comes in as arguments.
            await new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System).SetSecretAsync(SecretNames.ForIntegration(Integration), Secret);
            var port = Ports.Free();
            using var process = HandlerProcess.Start(data, port, TestApp.SharedSecretIntegration(Integration), out var output);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await HandlerProcess.WaitUntilListeningAsync(client, process, output);

            var acknowledged = new ConcurrentBag<string>();
            var unexpected = new ConcurrentBag<int>();
            using var stop = new CancellationTokenSource();
            async Task SendUntilKilledAsync(int worker)
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    Reply reply;
                    try
                    {
                        var body = $$$"""{"webhookEvent":"jira:issue_updated","issue":{"key":"KILL-{{{worker}}}-{{{i}}}"}}""";
                        reply = await Http.PostEventAsync(client, Integration, Http.Bearer(Sign()), body, cancellationToken: stop.Token);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return; // the process is gone
                    }

                    if (reply.Status != 202)
                    {
                        unexpected.Add(reply.Status);
                        continue;
                    }

                    acknowledged.Add(reply.EventId);
                    if (acknowledged.Count >= Acknowledged && !stop.IsCancellationRequested)
                    {
                        process.Kill(); // SIGKILL: no shutdown, no flush, no dispose
                        await stop.CancelAsync();
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 8).Select(SendUntilKilledAsync));
            await process.WaitForExitAsync();

            Assert.Empty(unexpected);
            Assert.True(acknowledged.Count >= Acknowledged);
            Assert.Equal(137, process.ExitCode); // 128 + SIGKILL
            var stored = ReadLines(data, allowTornLastLine: true).Select(l => l.EventId).ToHashSet();
            Assert.All(acknowledged, eventId => Assert.Contains(eventId, stored));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_payload_is_stored_as_the_bytes_received_with_only_the_whitespace_between_tokens_dropped()
    {
        await using var app = await StartAppAsync();
        var body = "{\r\n  \"webhookEvent\" : \"jira:issue_updated\",\n\t\"issue\": {\"key\": \"A B\\u0041\\/\", \"n\": [ 1.0 , -0 ]}\r\n}\n";
        const string Stored = """{"webhookEvent":"jira:issue_updated","issue":{"key":"A B\u0041\/","n":[1.0,-0]}}""";

        var reply = await PostBytesAsync(app, Encoding.UTF8.GetBytes(body));

        Outcome.AssertAccepted(app, reply, Integration);
        var line = Assert.Single(ReadLines(app.DataPath));
        Assert.Equal(Stored, line.Root.GetProperty("event").GetRawText());
    }

    [Fact]
    public async Task An_escaped_lone_surrogate_is_json_text_and_is_stored_byte_for_byte()
    {
        await using var app = await StartAppAsync();
        const string Body = """{"\udc00":1,"issue":{"key":"\ud800","fields":{"summary":"a \udc00 b \ud83d"}}}""";

        var reply = await PostBytesAsync(app, Encoding.UTF8.GetBytes(Body));

        Outcome.AssertAccepted(app, reply, Integration);
        var line = Assert.Single(ReadLines(app.DataPath));
        Assert.Contains("\"event\":" + Body + "}", line.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Exception is not null);
    }

    [Theory]
    [InlineData("80")] // a continuation byte alone
    [InlineData("FF")] // never in UTF-8
    [InlineData("C0AF")] // overlong "/"
    [InlineData("EDA080")] // U+D800 encoded: a surrogate is not UTF-8
    [InlineData("E282")] // a sequence cut short
    public async Task A_body_that_is_not_utf8_is_not_json_and_gets_400_with_nothing_stored(string badBytes)
    {
        await using var app = await StartAppAsync();
        var body = Encoding.UTF8.GetBytes("""{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1","fields":{"summary":"x""")
            .Concat(Convert.FromHexString(badBytes))
            .Concat(Encoding.UTF8.GetBytes("\"}}}"))
            .ToArray();

        var reply = await PostBytesAsync(app, body);

        Assert.Equal(400, reply.Status);
        Assert.Equal("not_a_jira_event", Outcome.DecisionsFor(app, reply.RequestId).Single()["Reason"]);
        Assert.False(Directory.Exists(Path.Combine(app.DataPath, "events")) && ReadLines(app.DataPath).Count > 0, "An event was stored.");
    }

    [Fact]
    public async Task Events_after_the_data_folder_was_deleted_are_on_disk_under_the_data_folder()
    {
        await using var app = await StartAppAsync();
        var first = await app.PostEventAsync(Integration, Http.Bearer(Sign()));
        Outcome.AssertAccepted(app, first, Integration);

        Directory.Delete(app.DataPath, recursive: true);
        var second = await app.PostEventAsync(Integration, Http.Bearer(Sign()));

        Outcome.AssertAccepted(app, second, Integration);
        Assert.Equal([second.EventId], ReadLines(app.DataPath).Select(l => l.EventId));
        Assert.Single(app.Logs.WithEventId(JiraAuthFunctions.Telemetry.EventIds.EventFileVanished));
    }

    [TmpfsFact]
    public async Task A_full_disk_gets_503_with_retry_after_for_every_waiting_request_and_202_again_once_space_returns()
    {
        var app = await StartAppAsync();
        var events = Path.Combine(app.DataPath, "events");
        Directory.CreateDirectory(events);
        var disk = Tmpfs.Mount(events, 256 * 1024);
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var before = await Http.PostEventAsync(app.Client, Integration, Http.Bearer(Sign()), cancellationToken: patience.Token);
            Outcome.AssertAccepted(app, before, Integration);

            disk.Fill("filler");
            var whileFull = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                Http.PostEventAsync(app.Client, Integration, Http.Bearer(Sign()), LargeEvent($"FULL-{i}"), cancellationToken: patience.Token)));

            Assert.All(whileFull, r =>
            {
                Assert.Equal(503, r.Status);
                Assert.Equal("30", r.Header("Retry-After"));
                Assert.Equal("sink_unavailable", Outcome.DecisionsFor(app, r.RequestId).Single()["Reason"]);
            });
            var unhealthy = await app.HealthOfAsync("sink");
            Assert.Equal("unhealthy", unhealthy.GetProperty("state").GetString());
            Assert.Equal("write_failed", unhealthy.GetProperty("detail").GetString());

            File.Delete(Path.Combine(events, "filler"));
            var after = await Http.PostEventAsync(app.Client, Integration, Http.Bearer(Sign()), LargeEvent("AFTER"), cancellationToken: patience.Token);

            Outcome.AssertAccepted(app, after, Integration);
            Assert.Equal([before.EventId, after.EventId], ReadLines(app.DataPath).Select(l => l.EventId));
            Assert.Equal("ok", (await app.HealthOfAsync("sink")).GetProperty("state").GetString());
        }
        finally
        {
            // The app first (it holds the file), then the mount, whatever either throws.
            try
            {
                await app.DisposeAsync();
            }
            finally
            {
                disk.Dispose();
                if (Directory.Exists(app.DataPath))
                {
                    Directory.Delete(app.DataPath, recursive: true);
                }
            }
        }
    }

    /// <summary>An event of about 16 KB: on a full tmpfs it needs pages the disk no longer has.</summary>
    private static string LargeEvent(string key) =>
        "{\"webhookEvent\":\"jira:issue_updated\",\"issue\":{\"key\":\"" + key + "\",\"fields\":{\"description\":\"" + new string('d', 16 * 1024) + "\"}}}";

    private static async Task<Reply> PostBytesAsync(TestApp app, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/jira/events/{Integration}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sign());
        using var response = await app.Client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers).SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))).ToList();
        return new Reply((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    private static async Task<TestApp> StartAppAsync()
    {
        var app = await TestApp.StartAsync(TestApp.SharedSecretIntegration(Integration));
        await app.Services.GetRequiredService<ISecretStore>().SetSecretAsync(SecretNames.ForIntegration(Integration), Secret);
        return app;
    }

    private static string Sign(Dictionary<string, object?>? claims = null) =>
        TestTokens.Create(TestTokens.Header("HS256"), claims ?? TestTokens.Claims(TimeProvider.System.GetUtcNow()), TestTokens.Hmac(Secret));

    private sealed record Line(string Text, JsonElement Root)
    {
        public string EventId => Root.GetProperty("eventId").GetString()!;
    }

    /// <summary>Every line of every event file; each must be complete JSON (a torn last line is allowed only after a kill).</summary>
    private static List<Line> ReadLines(string dataPath, bool allowTornLastLine = false)
    {
        var lines = new List<Line>();
        foreach (var file in Directory.GetFiles(Path.Combine(dataPath, "events"), "events-*.jsonl").Order())
        {
            var parts = File.ReadAllText(file, Encoding.UTF8).Split('\n');
            Assert.True(parts[^1].Length == 0 || allowTornLastLine, $"{file} does not end with a newline.");
            foreach (var text in parts[..^1])
            {
                using var document = JsonDocument.Parse(text);
                lines.Add(new Line(text, document.RootElement.Clone()));
            }
        }

        return lines;
    }
}
