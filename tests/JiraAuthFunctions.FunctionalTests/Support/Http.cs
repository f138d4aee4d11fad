using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>What came back over the wire: status, every header (response and content), the body text.</summary>
public sealed record Reply(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    /// <summary>The header's values joined by ", ", or null when absent.</summary>
    public string? Header(string name)
    {
        var values = Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(", ", values);
    }

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    public string RequestId => Json().GetProperty("requestId").GetString()!;

    public string EventId => Json().GetProperty("eventId").GetString()!;

    /// <summary>Status line, headers and body as one text, for scanning.</summary>
    public string AllText() => $"{Status}\n{string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}

public static class Http
{
    /// <summary>A Jira webhook body (compact, ASCII).</summary>
    public const string WebhookEvent = """{"webhookEvent":"jira:issue_updated","timestamp":1718000000000,"issue":{"key":"OPS-1","fields":{"summary":"Disk full on db-1"}}}""";

    public static string Bearer(string token) => "Bearer " + token;

    /// <summary>The headers of a Jira webhook delivery: its signature and its delivery id.</summary>
    public static Dictionary<string, string> Delivery(string? signature, string deliveryId)
    {
        var headers = new Dictionary<string, string> { ["X-Atlassian-Webhook-Identifier"] = deliveryId };
        if (signature is not null)
        {
            headers["X-Hub-Signature"] = signature;
        }

        return headers;
    }

    public static Task<Reply> PostEventAsync(this TestApp app, string integration, string? authorization, string body = WebhookEvent, string? invocationId = null, IReadOnlyDictionary<string, string>? headers = null) =>
        PostEventAsync(app.Client, integration, authorization, body, invocationId, headers);

    /// <summary>POST /api/jira/events/{integration} with the Authorization header exactly as given (null: none) and any other headers.</summary>
    public static async Task<Reply> PostEventAsync(HttpClient client, string integration, string? authorization, string body = WebhookEvent, string? invocationId = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/jira/events/{integration}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            Assert.True(request.Headers.TryAddWithoutValidation(name, value));
        }

        if (invocationId is not null)
        {
            request.Headers.Add(TestRequestIds.Header, invocationId);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        var replyHeaders = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
        return new Reply((int)response.StatusCode, replyHeaders, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
