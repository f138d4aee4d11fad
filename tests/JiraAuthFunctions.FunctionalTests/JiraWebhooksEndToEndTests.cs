using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The running app keeps a connection's dynamic webhooks alive from its credentials job: a failed
/// extension is a warning that leaves the job's other steps and the timer's answer alone, health and
/// the seconds-to-expiry gauge show it, and the next timer invocation extends the webhooks.
/// </summary>
public sealed class JiraWebhooksEndToEndTests
{
    private const string Connection = "hooks-e2e";

    [Fact]
    public async Task A_failed_extension_warns_degrades_health_and_the_next_timer_run_extends()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var jira = await FakeAtlassianTokenEndpoint.StartAsync(time);
        var id = jira.RegisterWebhook(registeredAt: time.GetUtcNow() - TimeSpan.FromDays(21)); // 9 days left: due
        jira.QueueRefreshFaults(403); // not retried (a 5xx would be, on this fake clock), so the run fails as the test needs
        var gauge = new ConcurrentDictionary<string, double>();
        using var listener = ListenToWebhookGauge(gauge);

        var data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        var store = new FileSecretStore(Path.Combine(data, "secrets.json"), time);
        await store.SetSecretAsync(JiraSecretNames.ClientSecret(Connection), jira.ClientSecret);
        await store.SetSecretAsync(JiraSecretNames.RefreshToken(Connection), jira.CurrentRefreshToken);
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["DataPath"] = data,
                [$"Jira:Connections:{Connection}:ClientId"] = jira.ClientId,
                [$"Jira:Connections:{Connection}:TokenEndpoint"] = jira.Uri.ToString(),
                [$"Jira:Connections:{Connection}:ApiBaseUrl"] = jira.JiraBaseUri.ToString(),
                [$"Jira:Connections:{Connection}:RefreshWebhooks"] = "true",
            },
            services => services.AddSingleton<TimeProvider>(time));

        // The app's own scheduler runs the job once at start: the extension fails, the later steps still run.
        await WaitForAsync(app, () => StepAfterWebhooksRan(app));
        var warning = Assert.Single(app.Logs.WithEventId(EventIds.JiraWebhookExtensionFailed));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("webhook_refresh_failed", warning["Reason"]);
        Assert.Empty(app.Logs.WithEventId(EventIds.CredentialsJobFailed));
        var degraded = await HealthAsync(app);
        Assert.Equal("degraded", degraded.GetProperty("status").GetString());
        var hooks = degraded.GetProperty("jiraWebhooks").EnumerateArray().Single();
        Assert.Equal(Connection, hooks.GetProperty("name").GetString());
        Assert.Equal("webhook_refresh_failed", hooks.GetProperty("state").GetString());
        Assert.Equal(1, hooks.GetProperty("webhooks").GetInt32());
        listener.RecordObservableInstruments();
        Assert.InRange(gauge[Connection], TimeSpan.FromDays(9).TotalSeconds - 60, TimeSpan.FromDays(9).TotalSeconds + 60);

        using var timer = await app.Client.PostAsync(JiraAuthFunctions.Credentials.CredentialsServiceCollectionExtensions.RunNowRoute, null);

        Assert.Equal(System.Net.HttpStatusCode.OK, timer.StatusCode);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromDays(30), jira.WebhookExpiry(id));
        var healthy = await HealthAsync(app);
        Assert.Equal("ok", healthy.GetProperty("jiraWebhooks")[0].GetProperty("state").GetString());
        Assert.Equal("ok", healthy.GetProperty("status").GetString());
        listener.RecordObservableInstruments();
        Assert.InRange(gauge[Connection], TimeSpan.FromDays(30).TotalSeconds - 60, TimeSpan.FromDays(30).TotalSeconds);
        Assert.DoesNotContain(jira.ClientSecret, app.Logs.AllText(), StringComparison.Ordinal);
        Assert.DoesNotContain("at-", string.Join("\n", app.Logs.Entries.Select(e => e.Message)), StringComparison.Ordinal);
    }

    /// <summary>The signing-key step (after the webhooks step) logged its first key after the webhook warning.</summary>
    private static bool StepAfterWebhooksRan(TestApp app)
    {
        var entries = app.Logs.Entries.ToList();
        var warning = entries.FindIndex(e => e.EventId.Id == EventIds.JiraWebhookExtensionFailed);
        return warning >= 0 && entries.Skip(warning).Any(e => e.EventId.Id == EventIds.SigningKeyCreated);
    }

    private static MeterListener ListenToWebhookGauge(ConcurrentDictionary<string, double> values)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == JiraAuthMetrics.MeterName && instrument.Name == "jiraauth.jira.webhooks.seconds_to_expiry")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "connection" && tag.Value is string connection)
                {
                    values[connection] = value;
                }
            }
        });
        listener.Start();
        return listener;
    }

    private static async Task<JsonElement> HealthAsync(TestApp app)
    {
        using var health = JsonDocument.Parse(await app.Client.GetStringAsync("/api/health"));
        return health.RootElement.Clone();
    }

    /// <summary>Waits (real time, bounded) for the app's background run; not a timing assertion.</summary>
    private static async Task WaitForAsync(TestApp app, Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "The credentials job did not get there: " + app.Logs.AllText()[^Math.Min(2000, app.Logs.AllText().Length)..]);
            await Task.Delay(50);
        }
    }
}
