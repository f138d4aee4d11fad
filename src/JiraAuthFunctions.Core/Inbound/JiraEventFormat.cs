using System.Text.Json;

namespace JiraAuthFunctions.Inbound;

/// <summary>The shapes of JSON that Jira sends.</summary>
public enum JiraEventFormat
{
    /// <summary>Not a Jira event.</summary>
    Unknown = 0,

    /// <summary>A Jira webhook: <c>{"webhookEvent": "jira:issue_updated", "timestamp": ..., ...}</c>.</summary>
    Webhook,

    /// <summary>An automation rule's "Issue data (Jira format)", or custom data in that shape: <c>{"issue": {"key": ...}}</c>.</summary>
    JiraFormat,

    /// <summary>An automation rule's "Issue data (Automation format)": the issue itself, <c>{"key": ..., "fields": {...}}</c>.</summary>
    AutomationFormat,
}

/// <summary>Tells which Jira shape a body has, looking at top-level members only.</summary>
public static class JiraEventClassifier
{
    public static JiraEventFormat Classify(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return JiraEventFormat.Unknown;
        }

        if (root.TryGetProperty("webhookEvent", out var webhookEvent) && webhookEvent.ValueKind == JsonValueKind.String)
        {
            return JiraEventFormat.Webhook;
        }

        if (root.TryGetProperty("issue", out var issue) && issue.ValueKind == JsonValueKind.Object && IsIssue(issue))
        {
            return JiraEventFormat.JiraFormat;
        }

        if (IsIssue(root) && root.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            return JiraEventFormat.AutomationFormat;
        }

        return JiraEventFormat.Unknown;
    }

    private static bool IsIssue(JsonElement element) =>
        element.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String && key.GetString()!.Length > 0;

    public static string ToCode(this JiraEventFormat format) => format switch
    {
        JiraEventFormat.Webhook => "webhook",
        JiraEventFormat.JiraFormat => "jira_format",
        JiraEventFormat.AutomationFormat => "automation_format",
        _ => "unknown",
    };
}
