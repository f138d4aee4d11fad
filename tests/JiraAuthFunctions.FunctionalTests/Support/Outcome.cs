using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// What a caller and on-call see for one request: the status, the RFC 6750 challenge, a generic
/// body, and exactly one decision log line naming the specific reason.
/// </summary>
public static class Outcome
{
    public const string InvalidTokenChallenge = "Bearer realm=\"jira-auth-functions\", error=\"invalid_token\", error_description=\"The access token is invalid.\"";
    public const string InsufficientScopeChallenge = "Bearer realm=\"jira-auth-functions\", error=\"insufficient_scope\", error_description=\"The access token does not grant the required scope.\"";
    public const string BareChallenge = "Bearer realm=\"jira-auth-functions\"";

    public static void AssertAccepted(TestApp app, Reply reply, string integration)
    {
        Assert.True(reply.Status == 202, $"Expected 202, got {reply.Status}: {reply.Body}");
        Assert.Null(reply.Header("WWW-Authenticate"));
        var body = reply.Json();
        Assert.Equal(["eventId", "requestId"], body.EnumerateObject().Select(p => p.Name));
        Assert.Matches("^[0-9a-f]{32}$", reply.EventId);

        var entry = Assert.Single(DecisionsFor(app, reply.RequestId));
        Assert.Equal(EventIds.EventAccepted, entry.EventId.Id);
        Assert.Equal(integration, entry["Integration"]);
        Assert.Equal(reply.EventId, entry["AcceptedEventId"]);
    }

    /// <summary>A retry of an accepted delivery: 202 with the first event id, one 250 line, no accepted or rejected line.</summary>
    public static void AssertDuplicate(TestApp app, Reply reply, string integration)
    {
        Assert.True(reply.Status == 202, $"Expected 202, got {reply.Status}: {reply.Body}");
        Assert.Null(reply.Header("WWW-Authenticate"));
        Assert.Equal(["eventId", "requestId"], reply.Json().EnumerateObject().Select(p => p.Name));
        Assert.Empty(DecisionsFor(app, reply.RequestId));
        var entry = Assert.Single(app.Logs.WithEventId(EventIds.DuplicateDeliveryAnswered), e => e["RequestId"] == reply.RequestId);
        Assert.Equal(integration, entry["Integration"]);
        Assert.Equal(reply.EventId, entry["AcceptedEventId"]);
        Assert.Single(app.Logs.WithEventId(EventIds.EventAccepted), e => e["AcceptedEventId"] == reply.EventId);
    }

    public static void AssertRejected(TestApp app, Reply reply, string integration, int status, string reason)
    {
        Assert.True(reply.Status == status, $"Expected {status} ({reason}), got {reply.Status}: {reply.Body}; log: {DescribeLog(app, reply)}");
        Assert.Equal("no-store", reply.Header("Cache-Control"));
        Assert.StartsWith("application/json", reply.Header("Content-Type"), StringComparison.Ordinal);

        var (error, description, challenge) = (status, reason) switch
        {
            (401, "missing_token") => ("invalid_request", "A bearer token is required.", BareChallenge),
            (401, _) => ("invalid_token", "The access token is invalid.", InvalidTokenChallenge),
            (403, _) => ("insufficient_scope", "The access token does not grant the required scope.", InsufficientScopeChallenge),
            (400, "invalid_lifecycle_payload") => ("invalid_request", "The body is not a valid Atlassian Connect lifecycle payload.", (string?)null),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only 401, 403 and a lifecycle 400 are checked here."),
        };
        Assert.Equal(challenge, reply.Header("WWW-Authenticate"));

        // The body is generic: the same three members for every reason, never the reason itself.
        var body = reply.Json();
        Assert.Equal(["error", "error_description", "requestId"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal(description, body.GetProperty("error_description").GetString());
        if (reason != error)
        {
            Assert.DoesNotContain(reason, reply.Body, StringComparison.Ordinal);
        }

        // Exactly one decision line for the request, and it names the specific reason.
        var entry = Assert.Single(DecisionsFor(app, reply.RequestId));
        Assert.Equal(EventIds.RequestRejected, entry.EventId.Id);
        Assert.Equal(reason, entry["Reason"]);
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), entry["StatusCode"]);
        Assert.Equal(integration, entry["Integration"]);
    }

    /// <summary>The accepted/rejected log entries of one request.</summary>
    public static IReadOnlyList<LogEntry> DecisionsFor(TestApp app, string requestId) =>
        app.Logs.Entries
            .Where(e => e.EventId.Id is EventIds.EventAccepted or EventIds.RequestRejected && e["RequestId"] == requestId)
            .ToList();

    /// <summary>The one rejection entry of a request.</summary>
    public static LogEntry RejectionOf(TestApp app, Reply reply) =>
        Assert.Single(app.Logs.WithEventId(EventIds.RequestRejected), e => e["RequestId"] == reply.RequestId);

    private static string DescribeLog(TestApp app, Reply reply)
    {
        try
        {
            return string.Join(" | ", DecisionsFor(app, reply.RequestId).Select(e => e.Message));
        }
        catch (JsonException)
        {
            return "(body is not JSON)";
        }
        catch (KeyNotFoundException)
        {
            return "(no request id)";
        }
    }
}
