using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Webhook deliveries and Forge calls against the real app over HTTP, down to the event file:
/// what reaches caller.context, and that a Jira retry is stored once.
/// </summary>
public sealed class SignedDeliveryTests(AttackApp f) : IClassFixture<AttackApp>
{
    private IReadOnlyList<JsonElement> Records()
    {
        var folder = Path.Combine(f.App.DataPath, "events");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.jsonl").SelectMany(File.ReadAllLines).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList()
            : [];
    }

    private JsonElement RecordOf(string eventId) => Assert.Single(Records(), r => r.GetProperty("eventId").GetString() == eventId);

    private static Dictionary<string, string?> ContextOf(JsonElement record) =>
        record.GetProperty("caller").GetProperty("context").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

    [Fact]
    public async Task Jira_retrying_a_delivery_gets_the_first_event_id_and_the_event_is_stored_once()
    {
        var deliveryId = Guid.NewGuid().ToString();
        var body = Http.WebhookEvent.Replace("OPS-1", "OPS-41", StringComparison.Ordinal);
        var headers = Http.Delivery(AttackApp.HubSignature(body), deliveryId);

        var first = await f.App.PostEventAsync(AttackApp.Hooks, null, body, headers: headers);
        var retries = new List<Reply>();
        for (var i = 0; i < 3; i++)
        {
            retries.Add(await f.App.PostEventAsync(AttackApp.Hooks, null, body, headers: headers));
        }

        Outcome.AssertAccepted(f.App, first, AttackApp.Hooks);
        Assert.All(retries, r => Outcome.AssertDuplicate(f.App, r, AttackApp.Hooks));
        Assert.All(retries, r => Assert.Equal(first.EventId, r.EventId));
        var stored = Assert.Single(Records(), r => ContextOf(r).GetValueOrDefault("deliveryId") == deliveryId);
        Assert.Equal(first.EventId, stored.GetProperty("eventId").GetString());
        Assert.Equal("OPS-41", stored.GetProperty("event").GetProperty("issue").GetProperty("key").GetString());
        Assert.Equal(f.HookKid, stored.GetProperty("caller").GetProperty("kid").GetString());
    }

    [Fact]
    public async Task The_exact_bytes_are_verified_so_the_same_json_formatted_differently_is_refused()
    {
        var compact = Http.WebhookEvent;
        using var parsed = JsonDocument.Parse(compact);
        var indented = JsonSerializer.Serialize(parsed.RootElement, new JsonSerializerOptions { WriteIndented = true });

        var reply = await f.App.PostEventAsync(AttackApp.Hooks, null, indented, headers: Http.Delivery(AttackApp.HubSignature(compact), Guid.NewGuid().ToString()));

        Outcome.AssertRejected(f.App, reply, AttackApp.Hooks, 401, "bad_signature");
    }

    [Fact]
    public async Task Forge_call_reaches_the_event_record_with_its_app_installation_environment_and_principal()
    {
        var reply = await f.App.PostEventAsync(AttackApp.Forge, Http.Bearer(f.Fit()));

        Outcome.AssertAccepted(f.App, reply, AttackApp.Forge);
        var record = RecordOf(reply.EventId);
        Assert.Equal("forge/invocation-token", record.GetProperty("caller").GetProperty("issuer").GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["appId"] = ForgeTokens.AppId,
                ["installationId"] = ForgeTokens.InstallationId,
                ["environmentType"] = "PRODUCTION",
                ["environmentId"] = ForgeTokens.EnvironmentId,
                ["principal"] = ForgeTokens.AccountId,
            },
            ContextOf(record));
    }

    [Fact]
    public async Task Webhook_over_the_body_limit_gets_413_before_its_signature_is_checked()
    {
        var body = "{\"webhookEvent\":\"jira:issue_updated\",\"pad\":\"" + new string('x', 1024 * 1024) + "\"}";

        var reply = await f.App.PostEventAsync(AttackApp.Hooks, null, body, headers: Http.Delivery(AttackApp.HubSignature(body), Guid.NewGuid().ToString()));

        Assert.Equal(413, reply.Status);
        Assert.Equal("body_too_large", Outcome.DecisionsFor(f.App, reply.RequestId).Single()["Reason"]);
    }
}
