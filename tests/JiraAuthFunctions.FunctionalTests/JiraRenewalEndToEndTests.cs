using System.Text.Json;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>The credentials timer renews a Jira connection in the running app, and the health endpoint tells on-call when a person is needed.</summary>
public sealed class JiraRenewalEndToEndTests
{
    private static async Task<(TestApp App, string Data)> StartAsync(FakeAtlassianTokenEndpoint endpoint, string refreshToken)
    {
        // Secrets are in place before the app starts, as in Key Vault; the app's own scheduler then runs the job once.
        var data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        var store = new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System);
        await store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), endpoint.ClientSecret);
        await store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), refreshToken);
        var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["DataPath"] = data,
            ["Jira:Connections:cloud:ClientId"] = endpoint.ClientId,
            ["Jira:Connections:cloud:TokenEndpoint"] = endpoint.Uri.ToString(),
        });
        return (app, data);
    }

    /// <summary>
    /// Runs the credentials job now (as a timer tick does), then reads health until the connection reports
    /// <paramref name="state"/> (with an access token for "ok"): the app's own first run may hold the lease
    /// meanwhile, and a read in between sees the connection's state before any run (e.g. no token yet).
    /// </summary>
    private static async Task<JsonElement> HealthAsync(TestApp app, string state)
    {
        using var response = await app.Client.PostAsync(JiraAuthFunctions.Credentials.CredentialsServiceCollectionExtensions.RunNowRoute, null);
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (true)
        {
            using var health = JsonDocument.Parse(await app.Client.GetStringAsync("/api/health"));
            var connections = health.RootElement.GetProperty("jiraConnections");
            var settled = connections.GetArrayLength() > 0 && connections[0].GetProperty("state").GetString() == state &&
                (state != "ok" || connections[0].GetProperty("accessTokenExpiresOn").ValueKind != JsonValueKind.Null);
            if (settled || TimeProvider.System.GetUtcNow() > deadline)
            {
                return health.RootElement.Clone();
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_due_connection_is_renewed_and_reported_healthy()
    {
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(TimeProvider.System);
        var (app, data) = await StartAsync(endpoint, endpoint.CurrentRefreshToken);
        await using (app)
        {
            var health = await HealthAsync(app, "ok");

            Assert.Equal("ok", health.GetProperty("status").GetString());
            var connection = health.GetProperty("jiraConnections").EnumerateArray().Single();
            Assert.Equal("cloud", connection.GetProperty("name").GetString());
            Assert.True(connection.GetProperty("accessTokenExpiresOn").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddMinutes(50));
            Assert.Equal(1, endpoint.Refreshes); // the scheduler's run renewed; the timer's found nothing due
            var stored = await new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System).GetSecretAsync(JiraSecretNames.RefreshToken("cloud"));
            Assert.Equal(endpoint.CurrentRefreshToken, stored!.Value);
        }
    }

    [Fact]
    public async Task A_refused_refresh_token_turns_health_degraded_with_reauthorization_required()
    {
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(TimeProvider.System);
        var (app, _) = await StartAsync(endpoint, "rt-revoked-long-ago");
        await using (app)
        {
            var health = await HealthAsync(app, JiraTokenRenewer.ReauthorizationRequired);

            Assert.Equal("degraded", health.GetProperty("status").GetString());
            Assert.Equal(JiraTokenRenewer.ReauthorizationRequired, health.GetProperty("jiraConnections")[0].GetProperty("state").GetString());
            Assert.DoesNotContain("rt-revoked-long-ago", app.Logs.AllText(), StringComparison.Ordinal);
        }
    }
}
