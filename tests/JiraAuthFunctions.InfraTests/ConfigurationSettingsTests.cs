using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// Integrations and Jira connections are deployment parameters rendered into app settings: a deployment
/// replaces every app setting, so anything added by hand is gone after the next one. The settings a
/// parameters file renders are fed to the real app, which validates them at start.
/// </summary>
public sealed class ConfigurationSettingsTests
{
    [Fact]
    public void The_example_renders_each_integration_and_connection_key_with_lists_by_index()
    {
        var settings = Configuration(Variants.TwoIntegrations);

        Assert.Equal(
            [
                ("Inbound__Integrations__ci__Algorithms__0", "HS256"),
                ("Inbound__Integrations__ci__Audience", "jira-auth-functions"),
                ("Inbound__Integrations__ci__Issuers__0", "jira-rule"),
                ("Inbound__Integrations__ci__MaxTokenLifetime", "90.00:00:00"),
                ("Inbound__Integrations__ci__Replay", "LongLivedToken"),
                ("Inbound__Integrations__ci__RequiredScopes__0", "events:write"),
                ("Inbound__Integrations__ci__Verification", "SharedSecret"),
                ("Inbound__Integrations__jira-webhooks__JiraConnection", "cloud"),
                ("Inbound__Integrations__jira-webhooks__Verification", "OAuthApp"),
                ("Jira__Connections__cloud__ClientId", "your-oauth-app-client-id"),
                ("Jira__Connections__cloud__CloudId", "11111111-2222-3333-4444-555555555555"),
                ("Jira__Connections__cloud__RefreshWebhooks", "True"),
            ],
            settings.Select(s => (s.Key, s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_app_started_with_exactly_the_rendered_settings_knows_exactly_the_two_integrations()
    {
        var settings = Configuration(Variants.TwoIntegrations);

        // As the platform passes app settings: environment variables, __ read as ':'. The local
        // credentials job is left out: it would call Atlassian at start; configuration is the subject here.
        await using var app = await TestApp.StartAsync(
            settings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value),
            services =>
            {
                var scheduler = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "LocalCredentialsScheduler");
                services.Remove(scheduler);
            });

        var inbound = app.Services.GetRequiredService<IOptions<InboundOptions>>().Value;
        var jira = app.Services.GetRequiredService<IOptions<JiraOptions>>().Value;
        var registry = app.Services.GetRequiredService<IntegrationRegistry>();

        // The test app runs as a person would run it locally, where appsettings.Local.json adds the demo
        // integrations (package.sh leaves that file out of the deployed package): everything else is ours.
        var localOnly = new[] { "demo", "demo-rule" };
        Assert.Equal(["ci", "jira-webhooks"], registry.All.Select(i => i.Name).Except(localOnly).Order(StringComparer.Ordinal));
        Assert.Equal(["cloud"], jira.Connections.Keys);
        var ci = inbound.Integrations["ci"];
        Assert.Equal((VerificationMethod.SharedSecret, ReplayProtection.LongLivedToken, TimeSpan.FromDays(90)), (ci.Verification, ci.Replay, ci.MaxTokenLifetime));
        Assert.Equal(["jira-rule"], ci.Issuers);
        Assert.Equal(["HS256"], ci.Algorithms);
        Assert.Equal(["events:write"], ci.RequiredScopes);
        Assert.Equal((VerificationMethod.OAuthApp, "cloud"), (inbound.Integrations["jira-webhooks"].Verification, inbound.Integrations["jira-webhooks"].JiraConnection));
        Assert.True(jira.Connections["cloud"].RefreshWebhooks);
        Assert.Equal("11111111-2222-3333-4444-555555555555", jira.Connections["cloud"].CloudId);
    }

    [Fact]
    public void Lists_of_objects_render_each_member_by_index_and_absent_keys_render_nothing()
    {
        var settings = Configuration(Deployment.Of("""
            param baseName = 'jiraauthdev'
            param alertEmail = ''
            param integrations = {
              keys: {
                Verification: 'PublicKeys'
                Issuers: [ 'a', 'b' ]
                PublicKeys: [ { Kid: 'k1', Pem: 'pem-1' }, { Jwk: '{"kty":"EC"}' } ]
              }
            }
            """));

        Assert.Equal(
            [
                ("Inbound__Integrations__keys__Issuers__0", "a"),
                ("Inbound__Integrations__keys__Issuers__1", "b"),
                ("Inbound__Integrations__keys__PublicKeys__0__Kid", "k1"),
                ("Inbound__Integrations__keys__PublicKeys__0__Pem", "pem-1"),
                ("Inbound__Integrations__keys__PublicKeys__1__Jwk", """{"kty":"EC"}"""),
                ("Inbound__Integrations__keys__Verification", "PublicKeys"),
            ],
            settings.Select(s => (s.Key, s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void A_connection_renders_its_auth_kind_base_url_and_required_scopes_and_no_secret()
    {
        var settings = Configuration(Deployment.Of("""
            param baseName = 'jiraauthdev'
            param alertEmail = ''
            param jiraConnections = {
              dc: {
                Auth: 'DataCenterServiceAccount'
                ClientId: 'dc-client'
                BaseUrl: 'https://jira.example.com/'
                RequiredScopes: [ 'WRITE' ]
              }
              bot: {
                Auth: 'ApiToken'
                Email: 'automation@example.com'
                CloudId: '11111111-2222-3333-4444-555555555555'
              }
            }
            """));

        Assert.Equal(
            [
                ("Jira__Connections__bot__Auth", "ApiToken"),
                ("Jira__Connections__bot__CloudId", "11111111-2222-3333-4444-555555555555"),
                ("Jira__Connections__bot__Email", "automation@example.com"),
                ("Jira__Connections__dc__Auth", "DataCenterServiceAccount"),
                ("Jira__Connections__dc__BaseUrl", "https://jira.example.com/"),
                ("Jira__Connections__dc__ClientId", "dc-client"),
                ("Jira__Connections__dc__RequiredScopes__0", "WRITE"),
            ],
            settings.Select(s => (s.Key, s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void An_auth_kind_the_app_does_not_know_is_refused_by_the_compiler()
    {
        var (code, output) = Deployment.BuildParameters("""
            param baseName = 'jiraauthdev'
            param alertEmail = ''
            param jiraConnections = {
              dc: {
                Auth: 'DataCenterBasic'
                BaseUrl: 'https://jira.example.com/'
              }
            }
            """);

        Assert.NotEqual(0, code);
        Assert.Contains("DataCenterBasic", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_the_app_does_not_know_is_refused_by_the_compiler()
    {
        // The types are sealed: a typo (Issuer for Issuers) fails the build, not the app's start in Azure.
        var (code, output) = Deployment.BuildParameters("""
            param baseName = 'jiraauthdev'
            param alertEmail = ''
            param integrations = {
              ci: {
                Verification: 'SharedSecret'
                Issuer: 'x'
              }
            }
            """);

        Assert.NotEqual(0, code);
        Assert.Contains("\"Issuer\"", output, StringComparison.Ordinal);
    }

    /// <summary>The settings of a deployment that configure integrations and Jira connections.</summary>
    private static Dictionary<string, string> Configuration(Deployment deployment) =>
        deployment.AppSettings.Where(s => s.Key.StartsWith("Inbound__Integrations__", StringComparison.Ordinal) || s.Key.StartsWith("Jira__Connections__", StringComparison.Ordinal))
            .ToDictionary();
}
