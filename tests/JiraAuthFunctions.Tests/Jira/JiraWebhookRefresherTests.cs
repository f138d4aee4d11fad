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
/// The webhook refresh against the Atlassian fake over real HTTP on loopback, on a fake clock: the
/// 30-day expiry, an extension ahead of it, paging and batching, failures warned and retried, 429s
/// and an access token expiring mid-run handled by <see cref="JiraRestClient"/>. Each run renews the
/// access token first, as the credentials job does.
/// </summary>
public sealed class JiraWebhookRefresherTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-webhooks", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();
    private readonly JiraOptions _options = new();
    private FakeAtlassianTokenEndpoint _jira = null!;
    private FileSecretStore _store = null!;
    private JiraTokenRenewer _renewer = null!;
    private JiraWebhookRefresher _refresher = null!;

    public async Task InitializeAsync()
    {
        _jira = await FakeAtlassianTokenEndpoint.StartAsync(_time);
        _options.Connections["cloud"] = Connection();
        _store = new FileSecretStore(Path.Combine(_folder, "secrets.json"), _time);
        await _store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), _jira.ClientSecret);
        await _store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), _jira.CurrentRefreshToken);
        var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        var options = Options.Create(_options);
        _renewer = new JiraTokenRenewer(options, _store, new ProcessLeaseProvider(), new AtlassianTokenClient(new HttpClient()), _time, loggers.CreateLogger<JiraTokenRenewer>());
        var rest = new JiraRestClient(JiraRestHttp.Create(_options, _time, loggers), _renewer, options, _time);
        _refresher = new JiraWebhookRefresher(options, rest, _time, loggers.CreateLogger<JiraWebhookRefresher>());
    }

    public async Task DisposeAsync()
    {
        await _jira.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private JiraConnectionOptions Connection() => new()
    {
        ClientId = _jira.ClientId,
        TokenEndpoint = _jira.Uri,
        ApiBaseUrl = _jira.JiraBaseUri,
        RefreshWebhooks = true,
    };

    private DateTimeOffset Now => _time.GetUtcNow();

    private JiraWebhookStatus Status(string connection = "cloud") => _refresher.Status.Single(s => s.Connection == connection);

    private async Task RunAsync()
    {
        await _renewer.RunAsync();
        await _refresher.RunAsync();
    }

    /// <summary>A run whose calls wait on the fake clock (Retry-After): the clock is stepped until it ends.</summary>
    private async Task RunSteppingTheClockAsync()
    {
        await _renewer.RunAsync();
        var run = _refresher.RunAsync();
        while (!run.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(run, Task.Delay(20));
        }

        await run;
    }

    [Fact]
    public async Task Webhooks_are_left_alone_until_within_the_window_then_extended_by_30_days_in_one_call()
    {
        var registered = Now;
        long[] ids = [_jira.RegisterWebhook(), _jira.RegisterWebhook(), _jira.RegisterWebhook()];

        await RunAsync();
        _time.Advance(TimeSpan.FromDays(19)); // 11 days left
        await RunAsync();

        Assert.Empty(_jira.RefreshCalls);
        Assert.Equal(new JiraWebhookStatus("cloud", "ok", 3, registered + TimeSpan.FromDays(30)), Status());

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5)); // just under 10 days left
        await RunAsync();

        Assert.Equal([ids], _jira.RefreshCalls);
        Assert.All(ids, id => Assert.Equal(Now + TimeSpan.FromDays(30), _jira.WebhookExpiry(id)));
        Assert.Equal(new JiraWebhookStatus("cloud", "ok", 3, Now + TimeSpan.FromDays(30)), Status());
        var extended = Assert.Single(_logs.WithEventId(EventIds.JiraWebhooksExtended));
        Assert.Equal(LogLevel.Information, extended.Level);
        Assert.Equal("3", extended["Count"]);
        Assert.Empty(_logs.WithEventId(EventIds.JiraWebhookExtensionFailed));
    }

    [Fact]
    public async Task Every_page_is_read_and_due_webhooks_are_extended_at_most_100_per_call()
    {
        _jira.WebhookPageLimit = 40;
        var ids = Enumerable.Range(0, 250).Select(_ => _jira.RegisterWebhook()).ToList();
        _time.Advance(TimeSpan.FromDays(21));

        await RunAsync();

        Assert.Equal(7, _jira.WebhookListCalls); // 250 in pages of 40
        Assert.Equal([100, 100, 50], _jira.RefreshCalls.Select(c => c.Length));
        Assert.Equal(ids, _jira.RefreshCalls.SelectMany(c => c));
        Assert.Equal(new JiraWebhookStatus("cloud", "ok", 250, Now + TimeSpan.FromDays(30)), Status());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task A_failed_extension_warns_with_its_reason_keeps_the_old_expiry_and_the_next_run_extends(int status)
    {
        var id = _jira.RegisterWebhook();
        var expiry = _jira.WebhookExpiry(id);
        _time.Advance(TimeSpan.FromDays(21));

        // A 5xx on the refresh (a PUT, idempotent) is retried within the connection's attempts: it fails when every attempt does.
        _jira.QueueRefreshFaults([.. Enumerable.Repeat(status, status >= 500 ? new JiraRateLimitOptions().MaxAttempts : 1)]);

        await RunSteppingTheClockAsync();

        var warning = Assert.Single(_logs.WithEventId(EventIds.JiraWebhookExtensionFailed));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("webhook_refresh_failed", warning["Reason"]);
        Assert.Equal($"HTTP {status}", warning["Detail"]);
        Assert.Equal(expiry, _jira.WebhookExpiry(id));
        Assert.Equal(new JiraWebhookStatus("cloud", "webhook_refresh_failed", 1, expiry), Status());

        _time.Advance(TimeSpan.FromMinutes(5));
        await RunAsync();

        Assert.Equal(Now + TimeSpan.FromDays(30), _jira.WebhookExpiry(id));
        Assert.Equal("ok", Status().State);
    }

    [Fact]
    public async Task A_failed_listing_warns_and_keeps_what_was_known()
    {
        _jira.RegisterWebhook();
        await RunAsync();
        var known = Status();
        _jira.QueueListFaults(403);

        await RunAsync();

        var warning = Assert.Single(_logs.WithEventId(EventIds.JiraWebhooksListFailed));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("webhook_refresh_failed", warning["Reason"]);
        Assert.Equal(known with { State = "webhook_refresh_failed" }, Status());
    }

    [Fact]
    public async Task A_429_on_the_refresh_is_retried_after_its_retry_after_and_the_extension_succeeds()
    {
        var id = _jira.RegisterWebhook();
        _time.Advance(TimeSpan.FromDays(21));
        _jira.QueueRefreshFaults(429);

        await RunSteppingTheClockAsync();

        Assert.Single(_jira.RefreshCalls);
        Assert.True(_jira.WebhookExpiry(id) > Now + TimeSpan.FromDays(29));
        Assert.Empty(_logs.WithEventId(EventIds.JiraWebhookExtensionFailed));
        Assert.Equal("ok", Status().State);
    }

    [Fact]
    public async Task An_access_token_expiring_mid_run_is_renewed_once_and_the_extension_goes_through()
    {
        var id = _jira.RegisterWebhook();
        _time.Advance(TimeSpan.FromDays(21));
        await _renewer.RunAsync();
        var refreshes = _jira.Refreshes;
        _jira.ExpireAccessTokenOnNextRefresh(); // the listing works, the refresh meets a 401

        await _refresher.RunAsync();

        Assert.Equal(refreshes + 1, _jira.Refreshes);
        Assert.Equal(Now + TimeSpan.FromDays(30), _jira.WebhookExpiry(id));
        Assert.Equal("ok", Status().State);
    }

    [Fact]
    public async Task An_already_expired_webhook_is_logged_as_an_error_and_extended()
    {
        var id = _jira.RegisterWebhook(registeredAt: Now - TimeSpan.FromDays(31));

        await RunAsync();

        var error = Assert.Single(_logs.WithEventId(EventIds.JiraWebhookExpired));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Equal("webhook_expired", error["Reason"]);
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), error["WebhookId"]);
        Assert.Equal(Now + TimeSpan.FromDays(30), _jira.WebhookExpiry(id));
        Assert.Equal("ok", Status().State);
    }

    [Fact]
    public async Task An_expired_webhook_whose_extension_fails_stays_reported_with_its_expiry()
    {
        var expiry = Now - TimeSpan.FromDays(1);
        _jira.RegisterWebhook(registeredAt: expiry - TimeSpan.FromDays(30));
        _jira.QueueRefreshFaults(400); // not retried: a 5xx would be, within the attempts

        await RunAsync();

        Assert.Equal(new JiraWebhookStatus("cloud", "webhook_refresh_failed", 1, expiry), Status());
        Assert.Single(_logs.WithEventId(EventIds.JiraWebhookExpired));
    }

    [Fact]
    public async Task Expiration_dates_in_jiras_text_form_are_read_as_well_as_epoch_milliseconds()
    {
        _jira.ExpirationDatesAsText = true;
        var registered = Now;
        _jira.RegisterWebhook();

        await RunAsync();

        Assert.Equal(new JiraWebhookStatus("cloud", "ok", 1, registered + TimeSpan.FromDays(30)), Status());

        _time.Advance(TimeSpan.FromDays(21) + TimeSpan.FromMilliseconds(250));
        await RunAsync();

        Assert.Single(_jira.RefreshCalls);
        Assert.Equal(new JiraWebhookStatus("cloud", "ok", 1, Now + TimeSpan.FromDays(30)), Status());
    }

    [Fact]
    public async Task A_connection_needing_reauthorization_is_reported_and_the_others_are_still_refreshed()
    {
        _options.Connections["broken"] = Connection(); // no refresh token in the store: nothing can be sent
        var id = _jira.RegisterWebhook();
        _time.Advance(TimeSpan.FromDays(21));

        await RunAsync();

        Assert.Equal(JiraTokenRenewer.ReauthorizationRequired, Status("broken").State);
        var warning = Assert.Single(_logs.WithEventId(EventIds.JiraWebhooksListFailed));
        Assert.Equal("broken", warning["Connection"]);
        Assert.Equal(Now + TimeSpan.FromDays(30), _jira.WebhookExpiry(id));
        Assert.Equal("ok", Status("cloud").State);
    }

    [Fact]
    public async Task A_connection_without_refresh_webhooks_is_not_touched()
    {
        _options.Connections["cloud"].RefreshWebhooks = false;
        _jira.RegisterWebhook();
        _time.Advance(TimeSpan.FromDays(25));

        await RunAsync();

        Assert.Equal(0, _jira.WebhookListCalls);
        Assert.Empty(_refresher.Status);
    }

    [Fact]
    public void The_rest_base_of_a_cloud_id_is_the_api_atlassian_com_one()
    {
        var connection = new JiraConnectionOptions { CloudId = "11223344-a1b2" };

        Assert.Equal(new Uri("https://api.atlassian.com/ex/jira/11223344-a1b2/"), connection.RestBaseUrl);
        Assert.Equal(new Uri("https://api.atlassian.com/ex/jira/11223344-a1b2/rest/api/3/webhook/refresh"), new Uri(connection.RestBaseUrl!, "rest/api/3/webhook/refresh"));
    }
}
