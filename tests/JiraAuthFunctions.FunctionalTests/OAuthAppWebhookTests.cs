using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Jira's dynamic webhooks of an OAuth 2.0 app against the real app: tokens signed by atlassian-jwt
/// (Atlassian's own library) and jose (node) with the connection's client secret, carrying only
/// what Atlassian documents (iat, exp), get the outcome their key and claims call for; an accepted
/// delivery's event record names the Jira connection it was verified for.
/// </summary>
public sealed class OAuthAppWebhookTests(OAuthAppWebhookTests.Fixture f) : IClassFixture<OAuthAppWebhookTests.Fixture>
{
    [Theory]
    [InlineData("atlassian-jwt HS256", 202, "accepted")]
    [InlineData("jose HS256", 202, "accepted")]
    [InlineData("atlassian-jwt HS256 with jti", 202, "accepted")]
    [InlineData("atlassian-jwt HS256 wrong secret", 401, "bad_signature")]
    [InlineData("jose HS256 wrong secret", 401, "bad_signature")]
    [InlineData("atlassian-jwt HS512", 401, "alg_not_allowed")]
    [InlineData("atlassian-jwt HS256 expired", 401, "token_expired")]
    [InlineData("jose HS256 without exp", 401, "missing_claim")]
    public async Task Independently_signed_webhook_token_gets_its_outcome(string name, int status, string reason)
    {
        var reply = await f.App.PostEventAsync(Fixture.Integration, Http.Bearer(f.Tokens[name]), WebhookBody);

        if (status == 202)
        {
            Outcome.AssertAccepted(f.App, reply, Fixture.Integration);
        }
        else
        {
            Outcome.AssertRejected(f.App, reply, Fixture.Integration, status, reason);
        }
    }

    [Fact]
    public async Task Accepted_delivery_records_the_jira_connection_as_verified_context()
    {
        var reply = await f.App.PostEventAsync(Fixture.Integration, Http.Bearer(f.Tokens["jose HS256"]), WebhookBody);
        Outcome.AssertAccepted(f.App, reply, Fixture.Integration);

        var record = Directory.GetFiles(Path.Combine(f.App.DataPath, "events"), "events-*.jsonl")
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Single(r => r.GetProperty("eventId").GetString() == reply.EventId);
        var caller = record.GetProperty("caller");
        Assert.Equal(Fixture.Connection, caller.GetProperty("context").GetProperty("jira.connection").GetString());
        Assert.Equal(JsonValueKind.Null, caller.GetProperty("jtiHash").ValueKind);
        Assert.Equal(10001, record.GetProperty("event").GetProperty("matchedWebhookIds")[0].GetInt32());
    }

    /// <summary>A dynamic webhook's body: Jira adds the ids of the app's webhooks that matched.</summary>
    private const string WebhookBody = """{"timestamp":1718000000000,"webhookEvent":"jira:issue_updated","matchedWebhookIds":[10001],"issue":{"id":"10042","key":"OPS-7","fields":{"summary":"Webhook from an OAuth app"}}}""";

    public sealed class Fixture : IAsyncLifetime
    {
        public const string Integration = "jira-webhooks";
        public const string Connection = "cloud";
        private const string ClientSecret = "cross-check-oauth-client-secret-ATATT3xFfGF0-abcdef0123";
        private const string OtherSecret = "cross-check-other-client-secret-ATATT3xFfGF0-abcdef0123";

        public TestApp App { get; private set; } = null!;

        public Dictionary<string, string> Tokens { get; } = [];

        public async Task InitializeAsync()
        {
            App = await TestApp.StartAsync(Integrations.OAuthApp(Integration, Connection));
            await App.Services.GetRequiredService<ISecretStore>().SetSecretAsync(JiraSecretNames.ClientSecret(Connection), ClientSecret);

            var now = TimeProvider.System.GetUtcNow();
            Dictionary<string, object?> Claims(Action<Dictionary<string, object?>>? change = null)
            {
                var claims = new Dictionary<string, object?> { ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = (now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds() };
                change?.Invoke(claims);
                return claims;
            }

            var atlassian = new List<(string Name, string Alg, string Key, Dictionary<string, object?> Claims)>
            {
                ("atlassian-jwt HS256", "HS256", ClientSecret, Claims()),
                ("atlassian-jwt HS256 with jti", "HS256", ClientSecret, Claims(c => c["jti"] = Guid.NewGuid().ToString("N"))),
                ("atlassian-jwt HS256 wrong secret", "HS256", OtherSecret, Claims()),
                ("atlassian-jwt HS512", "HS512", ClientSecret, Claims()),
                ("atlassian-jwt HS256 expired", "HS256", ClientSecret, Claims(c => { c["iat"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds(); })),
            };
            var jose = new List<(string Name, string Alg, string Key, Dictionary<string, object?> Claims)>
            {
                ("jose HS256", "HS256", ClientSecret, Claims()),
                ("jose HS256 wrong secret", "HS256", OtherSecret, Claims()),
                ("jose HS256 without exp", "HS256", ClientSecret, Claims(c => c.Remove("exp"))),
            };

            await SignAsync("atlassian-jwt-sign.mjs", atlassian);
            await SignAsync("jose-sign.mjs", jose);
        }

        private async Task SignAsync(string script, List<(string Name, string Alg, string Key, Dictionary<string, object?> Claims)> cases)
        {
            var instructions = cases.Select(c => new Dictionary<string, object?> { ["alg"] = c.Alg, ["key"] = c.Key, ["claims"] = c.Claims });
            var tokens = JsonSerializer.Deserialize<string[]>(await NodeTools.RunScriptAsync(script, JsonSerializer.Serialize(instructions)))!;
            Assert.Equal(cases.Count, tokens.Length);
            for (var i = 0; i < cases.Count; i++)
            {
                Tokens[cases[i].Name] = tokens[i];
            }
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }
}
