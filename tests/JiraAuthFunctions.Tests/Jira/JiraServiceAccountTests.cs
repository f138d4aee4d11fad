using JiraAuthFunctions.Health;
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

/// <summary>
/// Service accounts (Cloud and Data Center) over OAuth 2.0 client credentials, against a local server
/// speaking both token endpoints' documented protocol and errors; real HTTP on loopback, the real client.
/// Every "instance" has its own store object on one file and its own renewer, sharing one lease service.
/// </summary>
public sealed class JiraServiceAccountTests : IAsyncLifetime
{
    private const string Connection = "bot";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-sa", Guid.NewGuid().ToString("N"));
    private readonly LogCapture _logs = new();
    private readonly ProcessLeaseProvider _leases = new();
    private FakeJiraCredentialServer _server = null!;
    private JiraOptions _options = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeJiraCredentialServer.StartAsync(_time);
        Configure(JiraAuthKind.ServiceAccount);
        await Store().SetSecretAsync(JiraSecretNames.ClientSecret(Connection), _server.ClientSecret);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Configure(JiraAuthKind kind, params string[] requiredScopes)
    {
        _options = new JiraOptions();
        _options.Connections[Connection] = kind == JiraAuthKind.ServiceAccount
            ? new JiraConnectionOptions { Auth = kind, ClientId = _server.ClientId, TokenEndpoint = _server.CloudTokenEndpoint, ApiBaseUrl = _server.CloudApiBase, RequiredScopes = [.. requiredScopes] }
            : new JiraConnectionOptions { Auth = kind, ClientId = _server.ClientId, BaseUrl = _server.BaseUri, RequiredScopes = [.. requiredScopes] };
    }

    private FileSecretStore Store() => new(Path.Combine(_folder, "secrets.json"), _time);

    private JiraTokenRenewer Renewer(TimeProvider? time = null) =>
        new(Options.Create(_options), Store(), _leases, new AtlassianTokenClient(new HttpClient()), time ?? _time, LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<JiraTokenRenewer>());

    private JiraRestClient Rest(JiraTokenRenewer renewer) => new(new HttpClient(), renewer, Options.Create(_options), _time);

    private Uri Myself => _options.Connections[Connection].Auth == JiraAuthKind.ServiceAccount ? _server.CloudMyself : _server.DataCenterMyself;

    [Theory]
    [InlineData(JiraAuthKind.ServiceAccount)]
    [InlineData(JiraAuthKind.DataCenterServiceAccount)]
    public async Task Eight_concurrent_job_runs_request_one_token_per_period_never_two_at_once(JiraAuthKind kind)
    {
        Configure(kind);
        var renewers = Enumerable.Range(0, 8).Select(_ => Renewer()).ToList();

        for (var period = 1; period <= 6; period++)
        {
            await Task.WhenAll(renewers.Select(r => r.RunAsync()));
            await Task.WhenAll(renewers.Select(r => r.RunAsync())); // a second tick in the same period does nothing

            Assert.Equal(period, _server.TokenRequests);
            _time.Advance(TimeSpan.FromMinutes(50)); // 10 of the token's 60 minutes left: due again
        }

        Assert.Equal(1, _server.MaxInFlight);
        Assert.Equal("ok", (await renewers[0].States.GetAsync(Connection)).State);
        using var response = await Rest(renewers[3]).SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, Myself));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Data_center_asks_its_own_token_endpoint_for_the_required_scopes()
    {
        Configure(JiraAuthKind.DataCenterServiceAccount, "WRITE");

        Assert.True(await Renewer().RenewIfDueAsync(Connection, _options.Connections[Connection]));

        Assert.Equal(["WRITE"], _server.RequestedScopes);
        var status = await Renewer().States.GetAsync(Connection);
        Assert.Equal(("ok", JiraScopes.Verified), (status.State, status.Scopes));
    }

    [Fact]
    public async Task Eight_requests_meeting_a_401_on_eight_instances_cost_one_token_request()
    {
        // Instances that find the lease held wait for its holder (in real time) and then use its token.
        var instances = Enumerable.Range(0, 8).Select(_ => Renewer(TimeProvider.System)).ToList();
        await instances[0].RunAsync();
        Assert.Equal(1, _server.TokenRequests);
        _server.ExpireAccessTokens(); // revoked early: the stored expiry still says an hour

        var responses = await Task.WhenAll(instances.Select(i => Rest(i).SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, Myself))));

        Assert.All(responses, r => Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, _server.TokenRequests);
        Assert.Equal(1, _server.MaxInFlight);
    }

    [Fact]
    public async Task An_invalid_client_stops_the_connection_loudly_on_every_instance_until_a_new_secret_version()
    {
        await Store().SetSecretAsync(JiraSecretNames.ClientSecret(Connection), "a-secret-atlassian-no-longer-knows");
        var renewer = Renewer();

        await renewer.RunAsync();
        await renewer.RunAsync(); // no retry loop: the refused version is not sent again

        Assert.Equal(1, _server.InvalidClients);
        var line = Assert.Single(_logs.WithEventId(EventIds.JiraCredentialRefused));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Equal("credential_refused", line["Reason"]);
        var other = Renewer(); // another instance, which never saw the answer
        Assert.Equal(JiraConnectionStates.CredentialRefused, (await other.States.GetAsync(Connection)).State);
        await Assert.ThrowsAsync<JiraCredentialUnavailableException>(() => Rest(other).SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, Myself)));
        Assert.Equal(HealthStatus.Unhealthy, (await new JiraConnectionsHealth(other, _time).CheckAsync()).Status);

        await Store().SetSecretAsync(JiraSecretNames.ClientSecret(Connection), _server.ClientSecret); // a person stores the new credential
        other.States.Forget(Connection);
        await other.RunAsync();

        Assert.Equal("ok", (await other.States.GetAsync(Connection)).State);
        Assert.DoesNotContain(_server.ClientSecret, _logs.AllText(), StringComparison.Ordinal);
        Assert.DoesNotContain("sa-at-", _logs.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_within_the_budget()
    {
        _server.QueueFaults(429, 503);

        Assert.True(await Renewer(TimeProvider.System).RenewIfDueAsync(Connection, _options.Connections[Connection]));

        Assert.Equal(3, _server.TokenRequests);
    }

    [Fact]
    public async Task A_grant_lacking_a_required_scope_fails_loudly_names_the_scope_and_sends_nothing()
    {
        Configure(JiraAuthKind.ServiceAccount, "read:jira-work", "manage:jira-configuration");
        var renewer = Renewer();

        await renewer.RunAsync();

        var line = Assert.Single(_logs.WithEventId(EventIds.JiraScopeMissing));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Equal("scope_missing", line["Reason"]);
        Assert.Equal("manage:jira-configuration", line["MissingScopes"]);
        var status = await Renewer().States.GetAsync(Connection);
        Assert.Equal("scope_missing", status.State);
        Assert.Equal(["manage:jira-configuration"], status.MissingScopes);
        var health = await new JiraConnectionsHealth(renewer, _time).CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("manage:jira-configuration", health.Detail, StringComparison.Ordinal);
        var apiCalls = _server.ApiCalls;
        await Assert.ThrowsAsync<JiraCredentialUnavailableException>(() => Rest(Renewer()).SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, Myself)));
        Assert.Equal(apiCalls, _server.ApiCalls);

        // An admin adds the scope to the credential: the next run (not only the next expiry) picks it up.
        _server.CloudScopes = "read:jira-work write:jira-work manage:jira-configuration";
        _time.Advance(TimeSpan.FromMinutes(5));
        await renewer.RunAsync();

        var fixedStatus = await Renewer().States.GetAsync(Connection);
        Assert.Equal(("ok", JiraScopes.Verified, 2), (fixedStatus.State, fixedStatus.Scopes, _server.TokenRequests));
    }

    [Fact]
    public async Task Data_center_invalid_scope_is_a_scope_gap_not_a_refused_secret()
    {
        Configure(JiraAuthKind.DataCenterServiceAccount, "READ");
        await Renewer().RunAsync();
        Configure(JiraAuthKind.DataCenterServiceAccount, "ADMIN");

        await Renewer().RenewIfDueAsync(Connection, _options.Connections[Connection], force: true);

        Assert.Equal(LogLevel.Error, Assert.Single(_logs.WithEventId(EventIds.JiraScopeMissing)).Level);
        Assert.Empty(_logs.WithEventId(EventIds.JiraCredentialRefused));
        Assert.Equal(JiraConnectionStates.ScopeMissing, (await Renewer().States.GetAsync(Connection)).State);
    }

    [Fact]
    public void Data_center_scopes_include_the_lower_ones_cloud_scopes_are_exact()
    {
        Assert.Equal(JiraScopes.Verified, JiraScopes.Check(JiraAuthKind.DataCenterServiceAccount, ["READ"], "WRITE", requested: true).Verification);
        Assert.Equal(["ADMIN"], JiraScopes.Check(JiraAuthKind.DataCenterServiceAccount, ["ADMIN"], "WRITE", requested: true).Missing);
        Assert.Equal(["read:jira-work"], JiraScopes.Check(JiraAuthKind.ServiceAccount, ["read:jira-work"], "write:jira-work", requested: false).Missing);
    }
}
