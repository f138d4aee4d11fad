using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// The alert rules as a deployment evaluates them (bicep snapshot): per-integration and per-connection rules
/// split by their dimension, so a notification names the culprit and a threshold counts one integration, not
/// the total; silence rules fire when the credentials job or the signing-key gauges go quiet.
/// </summary>
public sealed partial class AlertRuleTests
{
    private static readonly Lazy<Dictionary<string, JsonNode>> Rules = new(() =>
        Variants.TwoIntegrations.OfType("Microsoft.Insights/scheduledQueryRules")
            .ToDictionary(r => r["name"]!.GetValue<string>().Split('-', 2)[1], r => r["properties"]!));

    [Fact]
    public void Every_rule_declares_the_columns_its_query_summarizes_by_as_dimensions_with_every_value()
    {
        Assert.NotEmpty(Rules.Value);
        foreach (var (name, rule) in Rules.Value)
        {
            var criterion = Assert.Single(rule["criteria"]!["allOf"]!.AsArray())!;
            var declared = (criterion["dimensions"]?.AsArray() ?? []).Select(d => d!).ToList();
            var grouped = GroupedBy(criterion["query"]!.GetValue<string>());

            Assert.True(grouped.Order().SequenceEqual(declared.Select(d => d["name"]!.GetValue<string>()).Order()), $"{name}: summarizes by [{string.Join(", ", grouped)}] but declares [{string.Join(", ", declared.Select(d => d["name"]))}]");
            Assert.All(declared, d => Assert.Equal(("Include", "[\"*\"]"), (d["operator"]!.GetValue<string>(), d["values"]!.ToJsonString())));
        }
    }

    [Theory]
    [InlineData("jira-reauthorization", "Connection")]
    [InlineData("jira-scope-missing", "Connection")]
    [InlineData("jira-credential-refused", "Connection")]
    [InlineData("jira-credential-expiring", "Connection")]
    [InlineData("jira-webhook-expired", "Connection")]
    [InlineData("jira-renewal-failing", "Connection")]
    [InlineData("jira-webhook-refresh-failing", "Connection")]
    [InlineData("lease-store-unavailable", "Connection")]
    [InlineData("rejections", "Integration")]
    [InlineData("shared-secret-expiring", "Integration")]
    [InlineData("service-unavailable", "Integration,Reason")]
    [InlineData("server-errors", "Function,Integration")]
    [InlineData("key-fetch-failing", "Host")] // events 211 and 243 name the host they fetch from
    [InlineData("keys-stale", "Integration,Source")]
    public void Rules_about_one_integration_or_connection_alert_per_integration_or_connection(string rule, string dimensions)
    {
        var criterion = Rules.Value[rule]["criteria"]!["allOf"]![0]!;

        Assert.Equal(dimensions.Split(','), criterion["dimensions"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void The_credentials_job_silent_for_15_minutes_alerts_at_severity_1()
    {
        var rule = Rules.Value["credentials-job-silent"];
        var criterion = rule["criteria"]!["allOf"]![0]!;

        Assert.Equal(1, rule["severity"]!.GetValue<int>());
        Assert.Equal(("PT15M", "PT5M"), (rule["windowSize"]!.GetValue<string>(), rule["evaluationFrequency"]!.GetValue<string>()));
        // No successful invocation of the timer function in the window; a run with a failed step fails the invocation.
        Assert.Equal($"requests | where name == \"{CredentialsServiceCollectionExtensions.TimerFunctionName}\" and success == true | summarize Count = count()", criterion["query"]!.GetValue<string>());
        Assert.Equal(("LessThan", 1), (criterion["operator"]!.GetValue<string>(), criterion["threshold"]!.GetValue<int>()));
    }

    [Fact]
    public void Missing_signing_key_gauges_alert_instead_of_the_stalled_rule_saying_nothing()
    {
        var rule = Rules.Value["signing-key-gauges-missing"];
        var criterion = rule["criteria"]!["allOf"]![0]!;
        var query = criterion["query"]!.GetValue<string>();

        Assert.Equal(("PT30M", "PT5M"), (rule["windowSize"]!.GetValue<string>(), rule["evaluationFrequency"]!.GetValue<string>()));
        Assert.Equal(("LessThan", 1), (criterion["operator"]!.GetValue<string>(), criterion["threshold"]!.GetValue<int>()));
        Assert.StartsWith("customMetrics |", query, StringComparison.Ordinal);
        Assert.Contains("\"jiraauth.signing.current_key.age_seconds\"", query, StringComparison.Ordinal);
        Assert.Contains("\"jiraauth.signing.seconds_to_next_step\"", query, StringComparison.Ordinal);
        // summarize count() without by: one row even when nothing was reported, so the absence is a 0 that fires.
        Assert.EndsWith("| summarize Count = count()", query, StringComparison.Ordinal);
        // The stalled rule stays: it judges the values when there are some.
        Assert.Equal("GreaterThan", Rules.Value["signing-key-rotation-stalled"]["criteria"]!["allOf"]![0]!["operator"]!.GetValue<string>());
    }

    [Fact]
    public void Every_other_rule_fires_on_more_than_its_threshold_in_15_minutes_every_5_minutes()
    {
        string[] silence = ["credentials-job-silent", "signing-key-gauges-missing"];
        Assert.All(Rules.Value.Where(r => !silence.Contains(r.Key)), r =>
        {
            Assert.Equal(("PT15M", "PT5M"), (r.Value["windowSize"]!.GetValue<string>(), r.Value["evaluationFrequency"]!.GetValue<string>()));
            Assert.Equal("GreaterThan", r.Value["criteria"]!["allOf"]![0]!["operator"]!.GetValue<string>());
        });
    }

    [Fact]
    public void Server_errors_are_a_rate_of_the_http_requests_and_503s_are_split_by_reason()
    {
        var errors = Rules.Value["server-errors"]["criteria"]!["allOf"]![0]!;
        var unavailable = Rules.Value["service-unavailable"]["criteria"]!["allOf"]![0]!["query"]!.GetValue<string>();

        Assert.StartsWith("requests | where isnotempty(url)", errors["query"]!.GetValue<string>(), StringComparison.Ordinal); // the timer has no url
        Assert.Contains("| where Total >= 10 | extend Count = 100.0 * Failed / Total", errors["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(5, errors["threshold"]!.GetValue<int>());
        Assert.Contains("where EventId == 201", unavailable, StringComparison.Ordinal);
        Assert.Contains("where Status == 503", unavailable, StringComparison.Ordinal);
    }

    /// <summary>The names of the columns the query's last <c>summarize</c> groups by (none: one total).</summary>
    private static List<string> GroupedBy(string query)
    {
        var summarize = query[query.LastIndexOf("| summarize ", StringComparison.Ordinal)..];
        var end = summarize.IndexOf('|', 1);
        var clause = end < 0 ? summarize : summarize[..end];
        var by = clause.IndexOf(" by ", StringComparison.Ordinal);
        if (by < 0)
        {
            return [];
        }

        // Top-level commas only: a column may be computed (Integration = tostring(split(Cache, ":")[1])).
        var columns = new List<string>();
        var depth = 0;
        var start = by + 4;
        for (var i = start; i <= clause.Length; i++)
        {
            if (i == clause.Length || (clause[i] == ',' && depth == 0))
            {
                columns.Add(ColumnName().Match(clause[start..i]).Groups[1].Value);
                start = i + 1;
            }
            else if (clause[i] is '(' or '[')
            {
                depth++;
            }
            else if (clause[i] is ')' or ']')
            {
                depth--;
            }
        }

        return columns;
    }

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ColumnName();
}
