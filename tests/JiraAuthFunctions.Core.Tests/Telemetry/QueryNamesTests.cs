using System.Reflection;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

/// <summary>
/// The KQL queries and alert rules use the names the app really emits: every <c>log.State.X</c>
/// is a placeholder of some LoggerMessage template, every event id compared is one the code
/// defines, every metric name (<c>"jiraauth...."</c>) is an instrument the code creates and every
/// metric tag (<c>customDimensions.x</c>, lower case; the host's own are capitalised) is one it sets.
/// A renamed field breaks this test, not the 3 a.m. search. (What the exporter really sends:
/// tests/JiraAuthFunctions.Tests/Telemetry/OpenTelemetryExportTests.)
/// </summary>
public sealed partial class QueryNamesTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> QueryFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "infra", "queries"), "*.kql").Append(Path.Combine(Root, "infra", "modules", "alerts.bicep")))
        {
            data.Add(Path.GetRelativePath(Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QueryFiles))]
    public void Every_field_and_event_id_a_query_uses_is_emitted_by_the_app(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var placeholders = LogPlaceholders();
        var eventIds = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).ToHashSet();

        var fields = StateField().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        var ids = EventIdNumber().Matches(text).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).Distinct().ToList();
        var metrics = MetricNames(text);
        var tags = MetricTag().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        var (instruments, setTags) = Instruments();

        Assert.True(ids.Count + metrics.Count > 0, $"{file} compares no event id and names no metric.");
        Assert.All(fields, f => Assert.Contains(f, placeholders));
        Assert.All(ids, id => Assert.Contains(id, eventIds));
        Assert.All(metrics, m => Assert.Contains(m, instruments));
        Assert.All(tags, t => Assert.Contains(t, setTags));
        Assert.All(ReasonCompared().Matches(text).Select(m => m.Groups[1].Value), r => Assert.Contains(r, KnownReasons()));
    }

    private static HashSet<string> KnownReasons() =>
        [.. Enum.GetValues<ReasonCode>().Select(r => r.ToCode()), JiraAuthFunctions.Keys.SharedSecretExpiryMonitor.Reason, JiraAuthFunctions.Jira.JiraTokenRenewer.ReauthorizationRequired];

    [GeneratedRegex(@"Reason\)?\s*(?:==|!=)\s*""([a-z_]+)""")]
    private static partial Regex ReasonCompared();

    /// <summary>The metric names a query or rule names (string literals starting <c>jiraauth.</c>).</summary>
    public static List<string> MetricNames(string text) => [.. MetricName().Matches(text).Select(m => m.Groups[1].Value).Distinct()];

    /// <summary>Every instrument name created in src, and every tag key the metrics set.</summary>
    private static (HashSet<string> Instruments, HashSet<string> Tags) Instruments()
    {
        var instruments = new HashSet<string>(StringComparer.Ordinal);
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in Directory.GetFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var code = File.ReadAllText(source);
            instruments.UnionWith(InstrumentName().Matches(code).Select(m => m.Groups[1].Value));
            tags.UnionWith(TagKey().Matches(code).Select(m => m.Groups[1].Value));
        }

        return (instruments, tags);
    }

    [GeneratedRegex(@"""(jiraauth\.[a-z_.]+)""")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"customDimensions\.([a-z][a-z_]*)")]
    private static partial Regex MetricTag();

    [GeneratedRegex(@"(?:Create(?:Counter|Histogram|ObservableGauge)<[a-z]+>\(|ObserveGauge\()""(jiraauth\.[a-z_.]+)""")]
    private static partial Regex InstrumentName();

    // new("tag", value) in JiraAuthMetrics, or new KeyValuePair<string, object?>("tag", value) beside a gauge.
    [GeneratedRegex(@"new(?:\s+KeyValuePair<string,\s*object\?>)?\(""([a-z][a-z_]*)"",")]
    private static partial Regex TagKey();

    /// <summary>Every {Placeholder} of every [LoggerMessage] template in src.</summary>
    private static HashSet<string> LogPlaceholders()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in Directory.GetFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match attribute in LoggerMessage().Matches(File.ReadAllText(source)))
            {
                foreach (Match placeholder in Placeholder().Matches(attribute.Value))
                {
                    names.Add(placeholder.Groups[1].Value);
                }
            }
        }

        return names;
    }

    [GeneratedRegex(@"log\.State\.([A-Za-z]+)")]
    private static partial Regex StateField();

    [GeneratedRegex(@"EventId\)?\s*(?:==|in)\s*\(?\s*([0-9][0-9 ,]*)")]
    private static partial Regex EventIdNumber();

    [GeneratedRegex(@"\[LoggerMessage\((?:[^""\]]|""(?:[^""\\]|\\.)*""|""""""[\s\S]*?"""""")*\)\]")]
    private static partial Regex LoggerMessage();

    [GeneratedRegex(@"\{([A-Za-z]+)(?::[^}]*)?\}")]
    private static partial Regex Placeholder();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JiraAuthFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
