using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Inbound;

public sealed class JiraEventClassifierTests
{
    [Theory]
    [InlineData("""{"webhookEvent":"jira:issue_created","timestamp":1,"issue":{"key":"A-1"}}""", JiraEventFormat.Webhook)]
    [InlineData("""{"webhookEvent":"comment_created","comment":{"id":"1"}}""", JiraEventFormat.Webhook)]
    [InlineData("""{"issue":{"key":"A-1","fields":{}},"user":{"accountId":"x"}}""", JiraEventFormat.JiraFormat)]
    [InlineData("""{"key":"A-1","fields":{"summary":"s"}}""", JiraEventFormat.AutomationFormat)]
    [InlineData("""{"webhookEvent":1}""", JiraEventFormat.Unknown)]
    [InlineData("""{"issue":{"key":""}}""", JiraEventFormat.Unknown)]
    [InlineData("""{"issue":{"key":"\ud800"}}""", JiraEventFormat.JiraFormat)] // valid JSON that GetString refuses
    [InlineData("""{"\udc00":1,"key":"\ud83d","fields":{}}""", JiraEventFormat.AutomationFormat)]
    [InlineData("""{"issue":"A-1"}""", JiraEventFormat.Unknown)]
    [InlineData("""{"key":"A-1"}""", JiraEventFormat.Unknown)]
    [InlineData("""{"hello":"world"}""", JiraEventFormat.Unknown)]
    [InlineData("{}", JiraEventFormat.Unknown)]
    [InlineData("[]", JiraEventFormat.Unknown)]
    [InlineData("\"webhookEvent\"", JiraEventFormat.Unknown)]
    [InlineData("null", JiraEventFormat.Unknown)]
    public void Bodies_are_told_apart_by_their_top_level_shape(string json, JiraEventFormat expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, JiraEventClassifier.Classify(document.RootElement));
    }

    [Theory]
    [InlineData(JiraEventFormat.Webhook, "webhook")]
    [InlineData(JiraEventFormat.JiraFormat, "jira_format")]
    [InlineData(JiraEventFormat.AutomationFormat, "automation_format")]
    [InlineData(JiraEventFormat.Unknown, "unknown")]
    public void Formats_have_stable_codes_for_logs_and_the_event_file(JiraEventFormat format, string code)
    {
        Assert.Equal(code, format.ToCode());
    }
}
