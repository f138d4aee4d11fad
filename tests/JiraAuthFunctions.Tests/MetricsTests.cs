using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Tests;

/// <summary>The decision counter on-call charts: one measurement per request, tagged with integration, reason and status.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Every_decision_is_counted_with_its_reason_and_unknown_integrations_share_one_series()
    {
        var decisions = new ConcurrentBag<(long Value, Dictionary<string, object?> Tags)>();
        var durations = new ConcurrentBag<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == JiraAuthMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "jiraauth.auth.decisions")
            {
                decisions.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "jiraauth.auth.validation.duration")
            {
                durations.Add(value);
            }
        });
        listener.Start();

        await using var factory = new HandlerFactory().Rejecting(ReasonCode.BadSignature);
        var client = factory.CreateClient();
        await PostAsync(client, "/api/jira/events/ci");
        await using var unknown = new HandlerFactory().Rejecting(ReasonCode.UnknownIntegration);
        var unknownClient = unknown.CreateClient();
        await PostAsync(unknownClient, "/api/jira/events/made-up-name-1");
        await PostAsync(unknownClient, "/api/jira/events/made-up-name-2");

        var mine = decisions.Where(d => d.Tags["reason"] is "bad_signature" or "unknown_integration").ToList();
        Assert.Contains(mine, d => d.Tags["integration"] as string == "ci" && d.Tags["reason"] as string == "bad_signature" && (int)d.Tags["status"]! == 401);
        Assert.Equal(2, mine.Count(d => d.Tags["integration"] as string == "(unknown)"));
        Assert.DoesNotContain(mine, d => (d.Tags["integration"] as string)!.StartsWith("made-up", StringComparison.Ordinal));
        Assert.True(durations.Count >= 3);
    }

    private static async Task PostAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "a.b.c");
        using var response = await client.SendAsync(request);
    }
}
