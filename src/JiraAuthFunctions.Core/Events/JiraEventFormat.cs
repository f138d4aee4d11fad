using System.Text.Json;

namespace JiraAuthFunctions.Events;

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

        if (TryGetMember(root, "webhookEvent", out var webhookEvent) && webhookEvent.ValueKind == JsonValueKind.String)
        {
            return JiraEventFormat.Webhook;
        }

        if (TryGetMember(root, "issue", out var issue) && issue.ValueKind == JsonValueKind.Object && IsIssue(issue))
        {
            return JiraEventFormat.JiraFormat;
        }

        if (IsIssue(root) && TryGetMember(root, "fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            return JiraEventFormat.AutomationFormat;
        }

        return JiraEventFormat.Unknown;
    }

    // Not GetString: it throws on an escaped lone surrogate ("\ud800"), which is valid JSON. The raw
    // text is the quotes and what is between them, so a key longer than "" has a character.
    private static bool IsIssue(JsonElement element) =>
        TryGetMember(element, "key", out var key) && key.ValueKind == JsonValueKind.String && key.GetRawText().Length > 2;

    /// <summary>
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> (the last of repeated names
    /// wins) for any valid JSON: a name holding an escaped lone surrogate makes System.Text.Json throw
    /// when compared, and such a name is none of the ones looked for.
    /// </summary>
    private static bool TryGetMember(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        var found = false;
        foreach (var member in element.EnumerateObject())
        {
            try
            {
                if (member.NameEquals(name))
                {
                    (value, found) = (member.Value, true);
                }
            }
            catch (InvalidOperationException)
            {
                // not UTF-16 text, so not the name
            }
        }

        return found;
    }

    public static string ToCode(this JiraEventFormat format) => format switch
    {
        JiraEventFormat.Webhook => "webhook",
        JiraEventFormat.JiraFormat => "jira_format",
        JiraEventFormat.AutomationFormat => "automation_format",
        _ => "unknown",
    };
}
