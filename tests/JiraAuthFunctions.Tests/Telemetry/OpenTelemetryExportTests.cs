using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace JiraAuthFunctions.Tests.Telemetry;

/// <summary>
/// What Application Insights receives, seen through OpenTelemetry's in-memory exporter registered
/// the way the app registers Azure Monitor's (<see cref="TelemetryServiceCollectionExtensions.AddMetricsExport"/>):
/// every metric name and tag that a KQL query or alert rule in infra/ uses is really exported.
/// </summary>
public sealed partial class OpenTelemetryExportTests
{
    [Fact]
    public async Task Every_metric_and_tag_the_queries_and_alerts_use_is_exported()
    {
        var exported = await ExportAfterTrafficAsync();

        var files = Directory.GetFiles(Path.Combine(Repository.Root, "infra", "queries"), "*.kql").Append(Path.Combine(Repository.Root, "infra", "modules", "alerts.bicep"));
        var used = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var names = MetricName().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
            var tags = MetricTag().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
            foreach (var name in names)
            {
                Assert.True(exported.ContainsKey(name), $"{Path.GetFileName(file)} uses metric {name}, which was not exported (exported: {string.Join(", ", exported.Keys)}).");
            }

            var exportedTags = names.SelectMany(n => exported[n]).ToHashSet();
            Assert.All(tags, tag => Assert.True(exportedTags.Contains(tag), $"{Path.GetFileName(file)} uses tag {tag}, not exported on {string.Join(", ", names)}."));
            used += names.Count;
        }

        Assert.True(used > 0, "no query or alert uses a metric: the test would check nothing");
    }

    [Fact]
    public async Task Decisions_and_secret_metrics_carry_their_tags_and_never_a_secret()
    {
        var exported = await ExportAfterTrafficAsync();

        Assert.Equal(["integration", "reason", "status"], exported["jiraauth.auth.decisions"].Order());
        Assert.Equal(["kind", "operation", "outcome"], exported["jiraauth.secrets.reads"].Order());
        Assert.Equal(["kind", "result"], exported["jiraauth.secrets.cache"].Order());
        Assert.Equal(["integration"], exported["jiraauth.secrets.shared_secret.days_to_expiry"].Order());
        Assert.Contains("jiraauth.signing.current_key.age_seconds", exported.Keys);
        Assert.Contains("jiraauth.signing.seconds_to_next_step", exported.Keys);

        // The README's metric table lists every metric the app exports.
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Assert.All(exported.Keys, name => Assert.Contains($"| `{name}` |", readme, StringComparison.Ordinal));
    }

    /// <summary>Runs the app with the in-memory exporter: a credentials job run, a health check, rejected requests; returns metric name to tag keys.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ExportAfterTrafficAsync()
    {
        var snapshots = new List<MetricSnapshot>();
        await using var factory = new HandlerFactory().Rejecting(ReasonCode.ReplayedJti);
        factory.Settings["Inbound:Integrations:ci:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ci:Issuers:0"] = "jira";
        factory.Settings["Inbound:Integrations:ci:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:ci:Algorithms:0"] = "HS256";
        factory.ExtraServices = services => services.AddMetricsExport(metrics => metrics.AddInMemoryExporter(snapshots));
        var client = factory.CreateClient();
        const string secret = "exported-secret-never-a-tag";
        await factory.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", secret, new SecretAttributes { ExpiresOn = TimeProvider.System.GetUtcNow().AddDays(10) });

        using var timer = await client.PostAsync(new Uri(JiraAuthFunctions.Credentials.CredentialsServiceCollectionExtensions.RunNowRoute, UriKind.Relative), null);
        Assert.True(timer.IsSuccessStatusCode);
        using var health = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/ci") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "a.b.c");
            using var response = await client.SendAsync(request);
        }

        Assert.True(factory.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        var exported = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        lock (snapshots)
        {
            foreach (var snapshot in snapshots)
            {
                var tags = exported.TryGetValue(snapshot.Name, out var held) ? held : exported[snapshot.Name] = new HashSet<string>(StringComparer.Ordinal);
                foreach (var point in snapshot.MetricPoints)
                {
                    foreach (var tag in point.Tags)
                    {
                        tags.Add(tag.Key);
                        Assert.NotEqual(secret, tag.Value as string);
                        Assert.NotEqual("inbound-ci", tag.Value as string);
                    }
                }
            }
        }

        return exported;
    }

    [GeneratedRegex(@"""(jiraauth\.[a-z_.]+)""")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"customDimensions\.([a-z][a-z_]*)")]
    private static partial Regex MetricTag();
}
