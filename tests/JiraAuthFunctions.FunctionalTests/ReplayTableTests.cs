using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Two app instances sharing the replay table in Azurite (Inbound:ReplayStore=Table): a per-request
/// token used on one is refused on the other; a webhook retry reaching the other is not stored twice;
/// a table that cannot answer refuses with 503 and Retry-After.
/// </summary>
public sealed class ReplayTableTests : IAsyncLifetime
{
    private const string Secret = "replay-table-shared-secret-0123456789abcdef";
    private Azurite _azurite = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        await new Azure.Data.Tables.TableClient(_azurite.ConnectionString, JiraAuthFunctions.Inbound.TableReplayCache.DefaultTableName).CreateIfNotExistsAsync(); // as the deployment does
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    private static Dictionary<string, string?> Settings(string connectionString)
    {
        var settings = TestApp.SharedSecretIntegration("ci");
        settings["Inbound:ReplayStore"] = "Table";
        settings["Storage:ConnectionString"] = connectionString;
        return settings;
    }

    private static async Task<(TestApp App, string Version)> StartAsync(string connectionString)
    {
        var app = await TestApp.StartAsync(Settings(connectionString));
        var version = (await app.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", Secret)).Version;
        return (app, version);
    }

    private static string Token(string version) =>
        TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(TimeProvider.System.GetUtcNow()), TestTokens.Hmac(Secret));

    [Fact]
    public async Task A_token_used_on_one_instance_is_refused_on_the_other()
    {
        var (first, version) = await StartAsync(_azurite.ConnectionString);
        await using var firstApp = first;
        // The second instance reads the same secret store (as two instances share Key Vault) and the same table.
        var settings = Settings(_azurite.ConnectionString);
        settings["DataPath"] = first.DataPath;
        await using var second = await TestApp.StartAsync(settings);
        var token = Token(version);

        var accepted = await first.PostEventAsync("ci", Http.Bearer(token));
        var replayedElsewhere = await second.PostEventAsync("ci", Http.Bearer(token));

        Assert.Equal(202, accepted.Status);
        Assert.Equal(401, replayedElsewhere.Status);
        Assert.Equal(ReasonCode.ReplayedJti.ToCode(), Assert.Single(second.Logs.WithEventId(EventIds.RequestRejected))["Reason"]);
    }

    [Fact]
    public async Task A_token_refused_for_its_content_type_on_one_instance_is_accepted_on_the_other_and_concurrent_uses_get_one_202()
    {
        var (first, version) = await StartAsync(_azurite.ConnectionString);
        await using var firstApp = first;
        var settings = Settings(_azurite.ConnectionString);
        settings["DataPath"] = first.DataPath;
        await using var second = await TestApp.StartAsync(settings);
        var token = Token(version);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/ci") { Content = new StringContent(Http.WebhookEvent, System.Text.Encoding.UTF8, "text/plain") };
        wrong.Headers.TryAddWithoutValidation("Authorization", Http.Bearer(token));
        using var refused = await first.Client.SendAsync(wrong);
        var retried = await second.PostEventAsync("ci", Http.Bearer(token));
        var raced = Token(version);
        var racing = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? first : second).PostEventAsync("ci", Http.Bearer(raced))));

        Assert.Equal(415, (int)refused.StatusCode);
        Assert.Equal(202, retried.Status);
        Assert.Single(racing, r => r.Status == 202);
        Assert.All(racing, r => Assert.Contains(r.Status, new[] { 202, 401 }));
    }

    [Fact]
    public async Task A_webhook_retry_reaching_the_other_instance_is_answered_with_the_first_event_id_and_stored_once()
    {
        const string hookSecret = "replay-table-webhook-secret-0123456789abcdef";
        var settings = Settings(_azurite.ConnectionString);
        settings["Inbound:Integrations:hooks:Verification"] = "WebhookSecret";
        await using var first = await TestApp.StartAsync(settings);
        await first.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-hooks", hookSecret);
        settings["DataPath"] = first.DataPath;
        await using var second = await TestApp.StartAsync(settings);
        var signature = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(hookSecret), System.Text.Encoding.UTF8.GetBytes(Http.WebhookEvent)));
        var headers = Http.Delivery(signature, Guid.NewGuid().ToString());

        var accepted = await first.PostEventAsync("hooks", null, headers: headers);
        var retriedElsewhere = await second.PostEventAsync("hooks", null, headers: headers);

        Assert.Equal(202, accepted.Status);
        Assert.Equal(202, retriedElsewhere.Status);
        var eventId = System.Text.Json.JsonDocument.Parse(accepted.Body).RootElement.GetProperty("eventId").GetString();
        Assert.Equal(eventId, System.Text.Json.JsonDocument.Parse(retriedElsewhere.Body).RootElement.GetProperty("eventId").GetString());
        Assert.Single(second.Logs.WithEventId(EventIds.DuplicateDeliveryAnswered));
        var lines = Directory.GetFiles(Path.Combine(first.DataPath, "events"), "*.jsonl").SelectMany(File.ReadAllLines).Where(l => l.Length > 0);
        Assert.Single(lines);
    }

    [Fact]
    public async Task A_replay_table_that_cannot_answer_gets_503_with_retry_after_never_a_202()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        var (app, version) = await StartAsync(unreachable);
        await using var _ = app;

        var reply = await app.PostEventAsync("ci", Http.Bearer(Token(version)));

        Assert.Equal(503, reply.Status);
        Assert.Equal("30", reply.Header("Retry-After"));
        Assert.Equal(ReasonCode.ReplayCheckUnavailable.ToCode(), Assert.Single(app.Logs.WithEventId(EventIds.RequestRejected))["Reason"]);
        Assert.Single(app.Logs.WithEventId(EventIds.ReplayStoreFailed));
    }

    [Fact]
    public async Task Health_reports_the_replay_table_unhealthy_during_an_outage_with_its_last_success_and_ok_after_it()
    {
        var (app, version) = await StartAsync(_azurite.ConnectionString);
        await using var _ = app;
        var table = new Azure.Data.Tables.TableClient(_azurite.ConnectionString, JiraAuthFunctions.Inbound.TableReplayCache.DefaultTableName);
        Assert.Equal(202, (await app.PostEventAsync("ci", Http.Bearer(Token(version)))).Status);
        var before = await ReplayStoreAsync(app);
        Assert.Equal("ok", before.GetProperty("state").GetString());
        var lastSuccess = before.GetProperty("lastSuccess").GetDateTimeOffset();

        // The outage: the table is gone (TableNotFound), so every check fails closed. (The in-process
        // credentials job may sweep the table around this line: a success of its that lands first
        // still counts; "unhealthy" below says the failure is newer than the success reported.)
        await table.DeleteAsync();
        var secretToken = Token(version);
        Assert.Equal(503, (await app.PostEventAsync("ci", Http.Bearer(secretToken))).Status);
        var (during, body, status) = await HealthAsync(app);

        Assert.Equal(200, status); // a shared store's outage is not fixed by replacing the instance
        Assert.Equal("unhealthy", during.GetProperty("status").GetString());
        var replay = ReplayStore(during);
        Assert.Equal("unhealthy", replay.GetProperty("state").GetString());
        Assert.Equal("http_404:TableNotFound", replay.GetProperty("detail").GetString());
        Assert.InRange(replay.GetProperty("lastSuccess").GetDateTimeOffset(), lastSuccess, TimeProvider.System.GetUtcNow());
        Assert.DoesNotContain(secretToken, body, StringComparison.Ordinal);

        await table.CreateIfNotExistsAsync();
        Assert.Equal(202, (await app.PostEventAsync("ci", Http.Bearer(Token(version)))).Status);
        var after = await ReplayStoreAsync(app);

        Assert.Equal("ok", after.GetProperty("state").GetString());
        Assert.True(after.GetProperty("lastSuccess").GetDateTimeOffset() >= lastSuccess);
    }

    private static async Task<(System.Text.Json.JsonElement Health, string Body, int Status)> HealthAsync(TestApp app)
    {
        using var response = await app.Client.GetAsync("/api/health");
        var body = await response.Content.ReadAsStringAsync();
        return (System.Text.Json.JsonDocument.Parse(body).RootElement.Clone(), body, (int)response.StatusCode);
    }

    private static async Task<System.Text.Json.JsonElement> ReplayStoreAsync(TestApp app) => ReplayStore((await HealthAsync(app)).Health);

    private static System.Text.Json.JsonElement ReplayStore(System.Text.Json.JsonElement health) =>
        Assert.Single(health.GetProperty("dependencies").EnumerateArray(), d => d.GetProperty("name").GetString() == "replay_store");
}
