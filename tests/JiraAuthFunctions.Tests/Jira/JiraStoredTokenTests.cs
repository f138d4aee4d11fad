using System.Net;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>API tokens (HTTP Basic) and Data Center PATs (Bearer) against a local Jira that checks them; the secret's expiry is the token's.</summary>
public sealed class JiraStoredTokenTests : IAsyncLifetime
{
    private const string Connection = "tokens";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-stored", Guid.NewGuid().ToString("N"));
    private readonly LogCapture _logs = new();
    private FakeJiraCredentialServer _server = null!;
    private JiraOptions _options = null!;

    public async Task InitializeAsync() => _server = await FakeJiraCredentialServer.StartAsync(_time);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private FileSecretStore Store() => new(Path.Combine(_folder, "secrets.json"), _time);

    private async Task<(JiraTokenRenewer Renewer, JiraRestClient Client, Uri Myself)> SetUpAsync(JiraAuthKind kind, string token, TimeSpan? expiresIn)
    {
        _options = new JiraOptions();
        _options.Connections[Connection] = kind == JiraAuthKind.ApiToken
            ? new JiraConnectionOptions { Auth = kind, Email = _server.Email, ApiBaseUrl = _server.CloudApiBase, RequiredScopes = ["read:jira-work"] }
            : new JiraConnectionOptions { Auth = kind, BaseUrl = _server.BaseUri };
        (kind == JiraAuthKind.ApiToken ? _server.ApiTokens : _server.PersonalAccessTokens).Add(token);
        var name = kind == JiraAuthKind.ApiToken ? JiraSecretNames.ApiToken(Connection) : JiraSecretNames.PersonalAccessToken(Connection);
        await Store().SetSecretAsync(name, token, new SecretAttributes { ExpiresOn = expiresIn is { } e ? _time.GetUtcNow() + e : null });
        var renewer = new JiraTokenRenewer(Options.Create(_options), Store(), new ProcessLeaseProvider(), new AtlassianTokenClient(new HttpClient()), _time, LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<JiraTokenRenewer>());
        return (renewer, new JiraRestClient(new HttpClient(), renewer, Options.Create(_options), _time), kind == JiraAuthKind.ApiToken ? _server.CloudMyself : _server.DataCenterMyself);
    }

    [Theory]
    [InlineData(JiraAuthKind.ApiToken)]
    [InlineData(JiraAuthKind.DataCenterPat)]
    public async Task The_token_reaches_jira_in_its_documented_header_and_health_says_scopes_are_not_verifiable(JiraAuthKind kind)
    {
        var (renewer, rest, myself) = await SetUpAsync(kind, "token-value-1", TimeSpan.FromDays(200));

        using var response = await rest.SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, myself));
        await renewer.RunAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await renewer.States.GetAsync(Connection);
        Assert.Equal(("ok", JiraScopes.NotVerifiable, kind), (status.State, status.Scopes, status.Auth));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromDays(200), status.CredentialExpiresOn);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(0, _server.TokenRequests);
    }

    [Theory]
    [InlineData(JiraAuthKind.ApiToken)]
    [InlineData(JiraAuthKind.DataCenterPat)]
    public async Task The_job_warns_ahead_of_expiry_every_run_and_health_shows_the_days_left(JiraAuthKind kind)
    {
        var (renewer, _, _) = await SetUpAsync(kind, "token-value-1", TimeSpan.FromDays(10.5));

        await renewer.RunAsync();
        _time.Advance(TimeSpan.FromDays(1));
        await renewer.RunAsync();

        var warnings = _logs.WithEventId(EventIds.JiraCredentialExpiring).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.Equal(["10", "9"], warnings.Select(w => w["DaysLeft"]));
        Assert.Equal("credential_expiring", warnings[0]["Reason"]);
        renewer.States.Forget(Connection);
        var health = await new JiraConnectionsHealth(renewer, _time).CheckAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Equal($"{Connection}: credential_expiring (9 days left)", health.Detail);
        Assert.DoesNotContain("token-value", _logs.AllText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(JiraAuthKind.ApiToken)]
    [InlineData(JiraAuthKind.DataCenterPat)]
    public async Task An_expired_token_is_an_error_and_nothing_is_sent(JiraAuthKind kind)
    {
        var (renewer, rest, myself) = await SetUpAsync(kind, "token-value-1", TimeSpan.FromDays(1));
        _time.Advance(TimeSpan.FromDays(2));

        await renewer.RunAsync();

        Assert.Equal(LogLevel.Error, Assert.Single(_logs.WithEventId(EventIds.JiraCredentialExpired)).Level);
        Assert.Equal(JiraConnectionStates.Expired, (await renewer.States.GetAsync(Connection)).State);
        var failure = await Assert.ThrowsAsync<JiraCredentialUnavailableException>(() => rest.SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, myself)));
        Assert.Equal(JiraConnectionStates.Expired, failure.State);
        Assert.Equal(0, _server.ApiCalls);
    }

    [Fact]
    public async Task A_token_without_an_expiry_attribute_is_warned_of()
    {
        var (renewer, _, _) = await SetUpAsync(JiraAuthKind.ApiToken, "token-value-1", expiresIn: null);

        await renewer.RunAsync();

        Assert.Equal(LogLevel.Warning, Assert.Single(_logs.WithEventId(EventIds.JiraCredentialExpiryUnknown)).Level);
    }

    [Fact]
    public async Task A_401_reads_the_secret_again_once_and_uses_a_new_version()
    {
        var (_, rest, myself) = await SetUpAsync(JiraAuthKind.ApiToken, "token-value-1", TimeSpan.FromDays(100));
        _server.ApiTokens.Clear(); // revoked in Atlassian
        _server.ApiTokens.Add("token-value-2");

        using var refused = await rest.SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, myself));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(LogLevel.Error, Assert.Single(_logs.WithEventId(EventIds.JiraCredentialRejected)).Level);

        await Store().SetSecretAsync(JiraSecretNames.ApiToken(Connection), "token-value-2", new SecretAttributes { ExpiresOn = _time.GetUtcNow().AddDays(300) });
        using var accepted = await rest.SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, myself));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.DoesNotContain("token-value", _logs.AllText(), StringComparison.Ordinal);
    }
}
