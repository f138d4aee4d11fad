using System.Net;
using System.Text.Json;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_reports_loaded_keys_and_a_reachable_store_without_any_secret()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:ci:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ci:Issuers:0"] = "jira";
        factory.Settings["Inbound:Integrations:ci:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:ci:Algorithms:0"] = "HS256";
        var client = factory.CreateClient();
        await factory.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", "health-secret-never-shown");

        var response = await client.GetAsync("/api/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = JsonDocument.Parse(body);
        Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("reachable", health.RootElement.GetProperty("secretStore").GetString());
        Assert.Equal("loaded", health.RootElement.GetProperty("integrations")[0].GetProperty("keys").GetString());
        Assert.DoesNotContain("health-secret-never-shown", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_store_is_degraded_but_still_200_so_the_platform_keeps_the_instance()
    {
        var store = new Mock<ISecretStore>();
        store.Setup(s => s.GetPropertiesOfSecretVersionsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SecretStoreUnavailableException("Key Vault kv.example could not list versions (status 503)."));
        await using var factory = new HandlerFactory();
        var client = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(store.Object))).CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("unreachable", health.RootElement.GetProperty("secretStore").GetString());
    }

    [Fact]
    public async Task A_key_vault_refusing_the_apps_identity_is_reported_as_forbidden_not_unreachable()
    {
        // A missing or not yet effective role assignment: Key Vault answers 403 to the identity's token.
        await using var vault = await FakeKeyVault.StartAsync();
        vault.Down = 403;
        var store = new KeyVaultSecretStore(vault.CreateClient(new FakeKeyVault.StaticCredential()));
        await using var factory = new HandlerFactory();
        var client = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<ISecretStore>(store))).CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("forbidden", health.RootElement.GetProperty("secretStore").GetString());
    }

    [Fact]
    public async Task Every_registered_dependency_is_listed_and_the_worst_state_wins()
    {
        var sink = new Mock<JiraAuthFunctions.Health.IDependencyHealth>();
        var lastGood = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        sink.Setup(s => s.CheckAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new JiraAuthFunctions.Health.DependencyState("example", JiraAuthFunctions.Health.HealthStatus.Unhealthy, "write_failed", lastGood));
        await using var factory = new HandlerFactory();
        var client = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(sink.Object))).CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", health.RootElement.GetProperty("status").GetString());
        var listed = health.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "example");
        Assert.Equal("unhealthy", listed.GetProperty("state").GetString());
        Assert.Equal("write_failed", listed.GetProperty("detail").GetString());
        Assert.Equal(lastGood, listed.GetProperty("lastSuccess").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_connection_is_reported_from_the_store_and_the_clock_even_where_the_job_never_ran()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Jira:Connections:cloud:ClientId"] = "client-1";
        factory.Settings["Jira:Connections:cloud:TokenEndpoint"] = $"http://127.0.0.1:{JiraAuthFunctions.Tests.Common.Ports.Free()}/oauth/token";
        // This instance does not run the timer: another one does.
        factory.ExtraServices = s => s.Remove(s.Single(d => d.ImplementationType == typeof(JiraAuthFunctions.Credentials.LocalCredentialsScheduler)));
        var client = factory.CreateClient();
        var store = factory.Services.GetRequiredService<ISecretStore>();
        var expiredOn = TimeProvider.System.GetUtcNow().AddMinutes(-2);
        await store.SetSecretAsync("jira-cloud-refresh-token", "rt-never-shown");
        await store.SetSecretAsync("jira-cloud-access-token", "at-never-shown", new SecretAttributes { ExpiresOn = expiredOn });

        var body = await client.GetStringAsync("/api/health");

        using var health = JsonDocument.Parse(body);
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        var connection = Assert.Single(health.RootElement.GetProperty("jiraConnections").EnumerateArray());
        Assert.Equal("cloud", connection.GetProperty("name").GetString());
        Assert.Equal("expired", connection.GetProperty("state").GetString());
        Assert.DoesNotContain("never-shown", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_json_lines_sink_on_this_instance_answers_503_so_the_platform_replaces_the_instance()
    {
        // The instance's own disk: a file where the events folder should be, so the folder cannot be made.
        var root = Directory.CreateTempSubdirectory("health-sink-").FullName;
        try
        {
            var notAFolder = Path.Combine(root, "a-file");
            await File.WriteAllTextAsync(notAFolder, "");
            await using var sink = new JiraAuthFunctions.Inbound.JsonLinesEventSink(Path.Combine(notAFolder, "events"), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<JiraAuthFunctions.Inbound.JsonLinesEventSink>.Instance);
            await Assert.ThrowsAsync<JiraAuthFunctions.Events.EventSinkUnavailableException>(() => sink.AppendAsync(new JiraAuthFunctions.Events.AcceptedEvent
            {
                EventId = "nowhere",
                ReceivedAt = TimeProvider.System.GetUtcNow(),
                Integration = "ci",
                Format = JiraAuthFunctions.Events.JiraEventFormat.Webhook,
                Caller = JiraAuthFunctions.Tokens.CallerInfo.FromToken("kid-1", "jira", "rule-1", "jti-1", "HS256"),
                Payload = """{"webhookEvent":"jira:issue_updated"}"""u8.ToArray(),
            }).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
            await using var factory = new HandlerFactory();
            factory.ExtraServices = s => s.AddSingleton<JiraAuthFunctions.Events.IEventSink>(sink);
            var client = factory.CreateClient();

            var response = await client.GetAsync("/api/health");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unhealthy", health.RootElement.GetProperty("status").GetString());
            var listed = health.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "sink");
            Assert.Equal("folder_missing", listed.GetProperty("detail").GetString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
