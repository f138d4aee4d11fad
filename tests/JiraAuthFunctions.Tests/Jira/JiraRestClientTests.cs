using System.Net;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Tests.Jira;

public sealed class JiraRestClientTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-rest", Guid.NewGuid().ToString("N"));
    private FakeAtlassianTokenEndpoint _jira = null!;
    private FileSecretStore _store = null!;
    private JiraTokenRenewer _renewer = null!;
    private JiraRestClient _client = null!;

    public async Task InitializeAsync()
    {
        _jira = await FakeAtlassianTokenEndpoint.StartAsync(TimeProvider.System);
        var options = new JiraOptions();
        options.Connections["cloud"] = new JiraConnectionOptions { ClientId = _jira.ClientId, TokenEndpoint = _jira.Uri };
        _store = new FileSecretStore(Path.Combine(_folder, "secrets.json"), TimeProvider.System);
        await _store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), _jira.ClientSecret);
        await _store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), _jira.CurrentRefreshToken);
        _renewer = new JiraTokenRenewer(Options.Create(options), _store, new ProcessLeaseProvider(), new AtlassianTokenClient(new HttpClient()), TimeProvider.System, NullLogger<JiraTokenRenewer>.Instance);
        _client = new JiraRestClient(JiraRestHttp.Create(options, TimeProvider.System), _renewer, Options.Create(options), TimeProvider.System);
        await _renewer.RunAsync(); // at-1
    }

    public async Task DisposeAsync()
    {
        await _jira.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<HttpResponseMessage> GetMyselfAsync() => _client.SendAsync("cloud", () => new HttpRequestMessage(HttpMethod.Get, _jira.ApiUri));

    [Fact]
    public async Task Calls_carry_the_current_access_token()
    {
        using var response = await GetMyselfAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_401s_cause_one_renewal_and_one_retry_each()
    {
        // The token was revoked on Jira's side (another generation exists): the stored one gets 401.
        await _renewer.RenewIfDueAsync("cloud", new JiraConnectionOptions { ClientId = _jira.ClientId, TokenEndpoint = _jira.Uri }, force: true);
        await _store.SetSecretAsync(JiraSecretNames.AccessToken("cloud"), "at-stale", new SecretAttributes { ExpiresOn = TimeProvider.System.GetUtcNow().AddMinutes(30) });
        var refreshesBefore = _jira.Refreshes;

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => GetMyselfAsync()));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(refreshesBefore + 1, _jira.Refreshes);
    }

    [Fact]
    public async Task A_429_is_retried_once_after_retry_after()
    {
        _jira.ApiThrottles = 1;

        using var response = await GetMyselfAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_connection_that_needs_reauthorization_sends_nothing()
    {
        await _store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), "rt-unknown");
        await _renewer.RenewIfDueAsync("cloud", new JiraConnectionOptions { ClientId = _jira.ClientId, TokenEndpoint = _jira.Uri }, force: true);

        await Assert.ThrowsAsync<JiraReauthorizationRequiredException>(GetMyselfAsync);
    }
}
