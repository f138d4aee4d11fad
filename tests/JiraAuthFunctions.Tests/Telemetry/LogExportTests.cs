using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;
using OpenTelemetry.Logs;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests.Telemetry;

/// <summary>
/// The log records Application Insights receives, seen through OpenTelemetry's in-memory exporter
/// on the app's own pipelines (<see cref="TelemetryServiceCollectionExtensions.AddTelemetryPipelines"/>,
/// the pipelines Azure Monitor's exporter is added to). The Azure Monitor exporter turns a record's
/// attributes into <c>customDimensions</c> and adds <c>EventId</c> and <c>EventName</c> itself (a
/// second attribute of either name makes it drop the record), its level into <c>severityLevel</c>
/// and its trace id into <c>operation_Id</c>.
/// </summary>
public sealed partial class LogExportTests
{
    /// <summary>customDimensions keys the exporter writes itself; an attribute of the same name makes it fail the record.</summary>
    private static readonly string[] ExporterKeys = ["EventId", "EventName", "OriginalFormat", "CategoryName"];

    [Fact]
    public async Task Decisions_are_one_record_each_at_their_level_with_every_field_the_queries_read_and_the_operation_id()
    {
        const string secret = "log-export-secret-never-exported-0123456789";
        var records = new List<LogRecord>();
        await using var factory = new HandlerFactory();
        var caller = CallerInfo.FromToken("kid-7", "jira-rule", "rule-42", "jti-7", "HS256");
        factory.Validator.SetupSequence(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TokenCheck.Accept(caller))
            .ReturnsAsync(TokenCheck.Reject(ReasonCode.ReplayedJti, caller));
        factory.ExtraServices = services => services.AddTelemetryPipelines().WithLogging(logs => logs.AddInMemoryExporter(records));
        var client = factory.CreateClient();
        await factory.Services.GetRequiredService<JiraAuthFunctions.Secrets.ISecretStore>().SetSecretAsync("inbound-ci", secret);

        // The Functions host hands the invocation's trace to the worker (UseFunctionsWorkerDefaults);
        // here a W3C traceparent on the request stands for it: the decision line must carry its trace id.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        await PostAsync(client, "accepted-1", traceId);
        await PostAsync(client, "rejected-1", traceId);

        using (var run = await client.PostAsync(new Uri(JiraAuthFunctions.Credentials.CredentialsServiceCollectionExtensions.RunNowRoute, UriKind.Relative), null))
        {
            Assert.True(run.IsSuccessStatusCode);
        }

        Assert.True(factory.Services.GetRequiredService<LoggerProvider>().ForceFlush(10_000));
        List<(int EventId, LogLevel Level, string TraceId, Dictionary<string, string?> Attributes)> exported;
        lock (records)
        {
            exported = records.Select(r => (r.EventId.Id, r.LogLevel, r.TraceId.ToHexString(), (r.Attributes ?? []).ToDictionary(a => a.Key, a => a.Value?.ToString()))).ToList();
        }

        var rejection = Assert.Single(exported, r => r.EventId == EventIds.RequestRejected);
        Assert.Equal(LogLevel.Warning, rejection.Level);
        Assert.Equal(traceId, rejection.TraceId);
        Assert.Equal("replayed_jti", rejection.Attributes["Reason"]);
        Assert.Equal("ci", rejection.Attributes["Integration"]);
        Assert.Equal("kid-7", rejection.Attributes["Kid"]);
        Assert.Equal("rejected-1", rejection.Attributes["RequestId"]);
        Assert.Equal("401", rejection.Attributes["StatusCode"]);
        var acceptance = Assert.Single(exported, r => r.EventId == EventIds.EventAccepted);
        Assert.Equal(LogLevel.Information, acceptance.Level);
        Assert.Equal("accepted-1", acceptance.Attributes["RequestId"]);

        // No record carries an attribute the exporter writes itself (it would drop that record).
        Assert.All(exported, r => Assert.DoesNotContain(r.Attributes.Keys, ExporterKeys.Contains));

        // Every log field a query or alert reads is exported on the records of the event ids it reads.
        var attributesById = exported.GroupBy(r => r.EventId).ToDictionary(g => g.Key, g => g.SelectMany(r => r.Attributes.Keys).ToHashSet());
        var checkedFields = 0;
        foreach (var (file, eventIds, fields) in LogQueries())
        {
            foreach (var field in fields)
            {
                var found = eventIds.Any(id => attributesById.TryGetValue(id, out var keys) && keys.Contains(field));
                if (!found && eventIds.Any(id => !attributesById.ContainsKey(id)))
                {
                    continue; // some of its event ids are not emitted by this traffic (the Jira events 430-443 need a Jira connection)
                }

                Assert.True(found, $"{file} reads customDimensions.{field} on event ids {string.Join(",", eventIds)}, which no exported record has");
                checkedFields++;
            }
        }

        Assert.True(checkedFields >= 8, $"only {checkedFields} query fields were checked: the test would prove little");

        // Nothing secret: no token, no secret value, no jti in any exported field or message.
        lock (records)
        {
            var all = string.Join("\n", records.Select(r => r.FormattedMessage + " " + string.Join(" ", (r.Attributes ?? []).Select(a => $"{a.Key}={a.Value}"))));
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
            Assert.DoesNotContain("header.payload.signature", all, StringComparison.Ordinal);
            Assert.DoesNotContain("jti-7", all.Replace("JtiHash", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    private static async Task PostAsync(HttpClient client, string requestId, string traceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/ci")
        {
            Content = new StringContent("""{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "header.payload.signature");
        request.Headers.Add(TestRequestIds.Header, requestId);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await client.SendAsync(request);
    }

    /// <summary>Each query over <c>traces</c> in infra/queries and each alert: the event ids it filters on and the customDimensions fields it reads.</summary>
    internal static IEnumerable<(string File, int[] EventIds, string[] Fields)> LogQueries()
    {
        var texts = Directory.GetFiles(Path.Combine(Repository.Root, "infra", "queries"), "*.kql")
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f)))
            .Concat(AlertQuery().Matches(File.ReadAllText(Path.Combine(Repository.Root, "infra", "modules", "alerts.bicep"))).Select((m, i) => ($"alerts.bicep #{i}", m.Groups[1].Value)));
        foreach (var (file, text) in texts.Where(t => t.Item2.Contains("traces", StringComparison.Ordinal) || t.Item2.Contains("${decisions}", StringComparison.Ordinal) || t.Item2.Contains("${logs}", StringComparison.Ordinal)))
        {
            var ids = EventIdFilter().Matches(text).SelectMany(m => Regex.Matches(m.Groups[1].Value, @"\d{3}").Select(d => int.Parse(d.Value, System.Globalization.CultureInfo.InvariantCulture))).Distinct().ToArray();
            var fields = LogField().Matches(text).Select(m => m.Groups[1].Value).Where(f => !ExporterKeys.Contains(f)).Distinct().ToArray();
            yield return (file, ids, fields);
        }
    }

    [GeneratedRegex(@"EventId\)?\s*(?:==|in)\s*\(?([\d,\s]+)\)?")]
    private static partial Regex EventIdFilter();

    [GeneratedRegex(@"customDimensions\.([A-Z][A-Za-z]*)")]
    private static partial Regex LogField();

    [GeneratedRegex(@"query: '([^']*)'")]
    private static partial Regex AlertQuery();
}
