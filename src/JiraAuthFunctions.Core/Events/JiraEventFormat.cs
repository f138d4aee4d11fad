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
    /// <summary>The nesting a body may have (as JSON text deeper than this is not an event).</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// The shape of a body as received: <see cref="JiraEventFormat.Unknown"/> unless it is JSON text
    /// (RFC 8259: UTF-8, one value, at most <see cref="MaxDepth"/> deep) whose top level is an event.
    /// Decides exactly as <see cref="Classify(JsonElement)"/> on the parsed document, in one pass of
    /// a reader: no document is built for a look at four top-level members.
    /// </summary>
    public static JiraEventFormat Classify(ReadOnlySpan<byte> utf8Json)
    {
        // The reader leaves bytes inside strings unchecked; a string that is not UTF-8 would be
        // stored as something Jira never sent.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            return JiraEventFormat.Unknown;
        }

        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            return Classify(ref reader);
        }
        catch (JsonException)
        {
            return JiraEventFormat.Unknown;
        }
    }

    // As TryGetMember reads them: each member overwrites what an earlier one of its name said (the last wins).
    private static JiraEventFormat Classify(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return JiraEventFormat.Unknown; // valid or not: not an event
        }

        bool webhookEvent = false, issue = false, key = false, fields = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = NameOf(ref reader);
            reader.Read();
            switch (name)
            {
                case Member.WebhookEvent:
                    webhookEvent = reader.TokenType == JsonTokenType.String;
                    break;
                case Member.Issue:
                    issue = reader.TokenType == JsonTokenType.StartObject && IsIssue(ref reader);
                    break;
                case Member.Key:
                    key = IsKey(ref reader);
                    break;
                case Member.Fields:
                    fields = reader.TokenType == JsonTokenType.StartObject;
                    break;
            }

            reader.Skip(); // a value not yet read to its end (nothing for a scalar or an issue read through)
        }

        // The whole text is checked as the document was: nothing may follow the object.
        while (reader.Read())
        {
        }

        return webhookEvent ? JiraEventFormat.Webhook
            : issue ? JiraEventFormat.JiraFormat
            : key && fields ? JiraEventFormat.AutomationFormat
            : JiraEventFormat.Unknown;
    }

    /// <summary>On an object's start: whether its last <c>key</c> is a non-empty string; leaves the reader on the object's end.</summary>
    private static bool IsIssue(ref Utf8JsonReader reader)
    {
        var key = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = NameOf(ref reader);
            reader.Read();
            if (name == Member.Key)
            {
                key = IsKey(ref reader);
            }

            reader.Skip();
        }

        return key;
    }

    // The raw text between the quotes: escapes count as characters, as GetRawText's length did.
    private static bool IsKey(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0;

    private enum Member
    {
        Other,
        WebhookEvent,
        Issue,
        Key,
        Fields,
    }

    private static Member NameOf(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.ValueTextEquals("webhookEvent"u8) ? Member.WebhookEvent
                : reader.ValueTextEquals("issue"u8) ? Member.Issue
                : reader.ValueTextEquals("key"u8) ? Member.Key
                : reader.ValueTextEquals("fields"u8) ? Member.Fields
                : Member.Other;
        }
        catch (InvalidOperationException)
        {
            return Member.Other; // an escaped lone surrogate: not UTF-16 text, so none of the names
        }
    }

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
