using System.Net;
using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>Each cached key source (fetched over HTTP or read from the secret store) is one entry of <c>/api/health</c>'s dependencies, by name.</summary>
public sealed class KeyFetchHealthTests
{
    [Fact]
    public async Task A_dead_jwks_host_and_an_untouched_install_keys_service_are_listed_by_name()
    {
        await using var jwks = await JwksServer.StartAsync();
        jwks.Respond = () => (503, "");
        await using var installKeys = await FakeInstallKeys.StartAsync();
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:rsa:Verification"] = "jwks"; // bound case-insensitively, as the options are
        factory.Settings["Inbound:Integrations:rsa:JwksUri"] = jwks.Uri.ToString();
        factory.Settings["Inbound:Integrations:rsa:Issuers:0"] = "issuer";
        factory.Settings["Inbound:Integrations:rsa:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:rsa:Algorithms:0"] = "RS256";
        factory.Settings["Inbound:Integrations:conn:Verification"] = "Connect";
        factory.Settings["Inbound:Integrations:conn:BaseUrl"] = "https://connect.example.test/api/connect/conn";
        factory.Settings["Inbound:Integrations:conn:InstallKeysBaseUrl"] = installKeys.BaseUrl.ToString();
        var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var dependencies = health.RootElement.GetProperty("dependencies").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal("unhealthy", dependencies["jwks:rsa"].GetProperty("state").GetString());
        Assert.StartsWith("keys_unavailable: fetch failing (http_503)", dependencies["jwks:rsa"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ok", dependencies["install-keys:conn"].GetProperty("state").GetString());
        Assert.Equal("not_fetched_yet", dependencies["install-keys:conn"].GetProperty("detail").GetString());
        Assert.Equal("unhealthy", health.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, jwks.Hits);
    }

    [Fact]
    public async Task Shared_secrets_connect_tenants_and_the_signing_keys_are_listed_by_name()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:ci:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ci:Issuers:0"] = "issuer";
        factory.Settings["Inbound:Integrations:ci:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:ci:Algorithms:0"] = "HS256";
        factory.Settings["Inbound:Integrations:conn:Verification"] = "Connect";
        factory.Settings["Inbound:Integrations:conn:BaseUrl"] = "https://connect.example.test/api/connect/conn";
        var client = factory.CreateClient();

        using var health = JsonDocument.Parse(await client.GetStringAsync("/api/health"));

        var dependencies = health.RootElement.GetProperty("dependencies").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal(("ok", "ok"), (dependencies["shared-secret:ci"].GetProperty("state").GetString(), dependencies["shared-secret:ci"].GetProperty("detail").GetString())); // health itself read the keys
        Assert.Equal(("ok", "not_fetched_yet"), (dependencies["connect-tenants:conn"].GetProperty("state").GetString(), dependencies["connect-tenants:conn"].GetProperty("detail").GetString()));
        Assert.Equal("ok", dependencies["signing-keys"].GetProperty("state").GetString());
    }
}
