using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>Each Auth kind's settings are checked at start; every message names the full key.</summary>
public sealed class JiraConnectionOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(JiraConnectionOptions connection)
    {
        var options = new JiraOptions();
        options.Connections["c"] = connection;
        var result = new JiraConnectionOptionsValidator().Validate(null, options);
        return result.Failed ? [.. result.Failures] : [];
    }

    [Fact]
    public void Data_center_kinds_need_a_base_url_and_refuse_a_cloud_id()
    {
        var errors = Errors(new JiraConnectionOptions { Auth = JiraAuthKind.DataCenterServiceAccount, ClientId = "id", CloudId = "x" });

        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:BaseUrl is required for Auth DataCenterServiceAccount", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:CloudId is not used by Auth DataCenterServiceAccount", StringComparison.Ordinal));
    }

    [Fact]
    public void Cloud_service_accounts_need_a_client_id_and_a_cloud_id()
    {
        var errors = Errors(new JiraConnectionOptions { Auth = JiraAuthKind.ServiceAccount });

        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:ClientId is required for Auth ServiceAccount", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:CloudId is required for Auth ServiceAccount", StringComparison.Ordinal));
    }

    [Fact]
    public void Api_tokens_need_an_email_and_a_site_and_take_no_client_id_or_webhooks()
    {
        var errors = Errors(new JiraConnectionOptions { Auth = JiraAuthKind.ApiToken, ClientId = "id", RefreshWebhooks = true });

        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:Email is required for Auth ApiToken", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:CloudId is required for Auth ApiToken", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:ClientId is not used by Auth ApiToken", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:RefreshWebhooks needs Auth OAuth3LO", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pat_over_plain_http_to_a_remote_host_and_a_scope_with_a_space_are_refused()
    {
        var errors = Errors(new JiraConnectionOptions { Auth = JiraAuthKind.DataCenterPat, BaseUrl = new Uri("http://jira.example.com/"), RequiredScopes = ["READ WRITE"] });

        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:BaseUrl must be an absolute https URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Jira:Connections:c:RequiredScopes:0 must be one scope", StringComparison.Ordinal));
    }

    [Fact]
    public void Todays_3lo_connection_is_valid_as_it_was()
    {
        Assert.Empty(Errors(new JiraConnectionOptions { ClientId = "id" }));
        Assert.Empty(Errors(new JiraConnectionOptions { Auth = JiraAuthKind.DataCenterPat, BaseUrl = new Uri("https://jira.example.com/jira") }));
    }

    [Fact]
    public void A_data_center_token_endpoint_keeps_the_context_path()
    {
        var connection = new JiraConnectionOptions { Auth = JiraAuthKind.DataCenterServiceAccount, BaseUrl = new Uri("https://jira.example.com/jira") };

        Assert.Equal(new Uri("https://jira.example.com/jira/rest/oauth2/latest/token"), connection.TokenUri);
        Assert.Equal(new Uri("https://jira.example.com/jira/"), connection.RestBaseUrl);
        Assert.Equal(JiraConnectionOptions.AtlassianTokenEndpoint, new JiraConnectionOptions().TokenUri);
    }

    [Fact]
    public async Task A_3lo_refresh_whose_granted_scopes_lack_a_required_one_fails_loudly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(time); // grants "read:jira-work write:jira-work offline_access"
        var folder = Path.Combine(Path.GetTempPath(), "jiraauth-3lo-scope", Guid.NewGuid().ToString("N"));
        try
        {
            var options = new JiraOptions();
            options.Connections["cloud"] = new JiraConnectionOptions { ClientId = endpoint.ClientId, TokenEndpoint = endpoint.Uri, RequiredScopes = ["read:jira-work", "manage:jira-webhook"] };
            var store = new FileSecretStore(Path.Combine(folder, "secrets.json"), time);
            await store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), endpoint.ClientSecret);
            await store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), endpoint.CurrentRefreshToken);
            var logs = new LogCapture();
            var renewer = new JiraTokenRenewer(Options.Create(options), store, new ProcessLeaseProvider(), new AtlassianTokenClient(new HttpClient()), time, LoggerFactory.Create(b => b.AddProvider(logs)).CreateLogger<JiraTokenRenewer>());

            await renewer.RunAsync();

            var line = Assert.Single(logs.WithEventId(EventIds.JiraScopeMissing));
            Assert.Equal(("manage:jira-webhook", LogLevel.Error), (line["MissingScopes"], line.Level));
            Assert.Equal("scope_missing", (await renewer.States.GetAsync("cloud")).State);
            Assert.Equal(endpoint.CurrentRefreshToken, (await store.GetSecretAsync(JiraSecretNames.RefreshToken("cloud")))!.Value); // the rotated refresh token is kept
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
