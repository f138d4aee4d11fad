using System.Net;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>
/// Several instances of the app (in-process: each its own renewer, outbound client and store object)
/// share one secret store and one lease service. The Functions host runs the timer on one instance at a
/// time, so most instances never see the token endpoint's answer: what they report and refuse must come
/// from the store, the same everywhere within one job period.
/// </summary>
public sealed class JiraSharedStateTests : IAsyncLifetime
{
    private const string Connection = "cloud";
    private static readonly TimeSpan JobPeriod = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-shared", Guid.NewGuid().ToString("N"));
    private readonly ProcessLeaseProvider _leases = new();
    private FakeAtlassianTokenEndpoint _endpoint = null!;
    private JiraOptions _options = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await FakeAtlassianTokenEndpoint.StartAsync(_time);
        _options = new JiraOptions();
        _options.Connections[Connection] = new JiraConnectionOptions { ClientId = _endpoint.ClientId, TokenEndpoint = _endpoint.Uri };
        var store = Store();
        await store.SetSecretAsync(JiraSecretNames.ClientSecret(Connection), _endpoint.ClientSecret);
        await store.SetSecretAsync(JiraSecretNames.RefreshToken(Connection), _endpoint.CurrentRefreshToken);
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private FileSecretStore Store() => new(Path.Combine(_folder, "secrets.json"), _time);

    private Instance NewInstance()
    {
        var store = Store();
        var renewer = new JiraTokenRenewer(Options.Create(_options), store, _leases, new AtlassianTokenClient(new HttpClient()), _time, NullLogger<JiraTokenRenewer>.Instance);
        return new Instance(renewer, new JiraRestClient(new HttpClient(), renewer, Options.Create(_options), _time));
    }

    private async Task<List<Instance>> FourInstancesWithAFreshTokenAsync()
    {
        var instances = Enumerable.Range(0, 4).Select(_ => NewInstance()).ToList();
        await instances[0].Renewer.RunAsync();
        return instances;
    }

    private static async Task<string> StateAsync(Instance instance) => (await instance.Renewer.States.GetAsync(Connection)).State;

    private async Task<HttpStatusCode> CallJiraAsync(Instance instance)
    {
        using var response = await instance.Rest.SendAsync(Connection, () => new HttpRequestMessage(HttpMethod.Get, _endpoint.ApiUri));
        return response.StatusCode;
    }

    [Fact]
    public async Task A_refresh_token_refused_on_one_instance_stops_every_instance_within_one_job_period()
    {
        var instances = await FourInstancesWithAFreshTokenAsync();
        _time.Advance(TimeSpan.FromMinutes(50)); // due
        _endpoint.RevokeConsent();

        await instances[0].Renewer.RunAsync(); // the timer ran on instance 0 only
        _time.Advance(JobPeriod);

        foreach (var instance in instances)
        {
            Assert.Equal(JiraTokenRenewer.ReauthorizationRequired, await StateAsync(instance));
            await Assert.ThrowsAsync<JiraReauthorizationRequiredException>(() => CallJiraAsync(instance));
        }

        Assert.Equal(1, _endpoint.InvalidGrants);
    }

    [Fact]
    public async Task A_new_consent_stored_clears_reauthorization_on_every_instance()
    {
        var instances = await FourInstancesWithAFreshTokenAsync();
        _time.Advance(TimeSpan.FromMinutes(50));
        _endpoint.RevokeConsent();
        foreach (var instance in instances)
        {
            await instance.Renewer.RunAsync(); // each instance saw the refusal once
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // An admin authorizes the app again and stores the new refresh token; the next run happens on instance 1.
        await Store().SetSecretAsync(JiraSecretNames.RefreshToken(Connection), _endpoint.Consent());
        await instances[1].Renewer.RunAsync();
        _time.Advance(JobPeriod);

        foreach (var instance in instances)
        {
            Assert.Equal("ok", await StateAsync(instance));
            Assert.Equal(HttpStatusCode.OK, await CallJiraAsync(instance));
        }
    }

    private sealed record Instance(JiraTokenRenewer Renewer, JiraRestClient Rest);
}
