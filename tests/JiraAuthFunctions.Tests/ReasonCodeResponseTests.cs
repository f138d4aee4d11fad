using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests;

/// <summary>
/// The reason codes are a closed set: every member of <see cref="ReasonCode"/> is walked through the
/// host's response mapping (<see cref="InboundResponses"/>) and must come out as 202 (accepted), a
/// 4xx or 503 with the RFC 6750 shape, or be declared log-only; never a 500, never a default branch.
/// Its status must be the one the runbook's and the docs' reason tables say. So a new code cannot
/// reach a 500 or go undocumented.
/// </summary>
public sealed class ReasonCodeResponseTests
{
    private const string Challenge = "Bearer realm=\"jira-auth-functions\"";
    private static readonly IReadOnlyList<string[]> RunbookRows = DocTables.Rows(DocTables.Read("docs", "runbook.md"), "Reason codes");
    private static readonly IReadOnlyList<string[]> DocsRows = DocTables.Rows(DocTables.Read("docs", "checks-and-responses.md"), "Reason codes");

    /// <summary>What the status column says for a reason the credentials job logs and health shows, never an HTTP answer.</summary>
    private static readonly string[] LogOnlyStatuses = ["log only", "log + health"];

    public static TheoryData<ReasonCode> EveryReason() => [.. Enum.GetValues<ReasonCode>()];

    [Theory]
    [MemberData(nameof(EveryReason))]
    public void Every_reason_is_answered_202_4xx_or_503_or_declared_log_only_as_the_runbook_says(ReasonCode reason)
    {
        var runbookStatus = StatusCell(RunbookRows, reason);

        if (LogOnlyStatuses.Contains(runbookStatus))
        {
            // Declared, not fallen through: the mapping names it and refuses to make an answer of it.
            var refused = Assert.Throws<InvalidOperationException>(() => InboundResponses.StatusCodeFor(reason));
            Assert.Contains(reason.ToString(), refused.Message, StringComparison.Ordinal);
            Assert.Equal(runbookStatus, StatusCell(DocsRows, reason));
            return;
        }

        var status = InboundResponses.StatusCodeFor(reason);

        Assert.True(
            status == StatusCodes.Status503ServiceUnavailable || status is >= 400 and < 500 || (status == StatusCodes.Status202Accepted && reason is ReasonCode.Accepted or ReasonCode.DuplicateDelivery),
            $"{reason.ToCode()} maps to {status}");
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), runbookStatus);
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), StatusCell(DocsRows, reason));
    }

    [Theory]
    [MemberData(nameof(EveryReason))]
    public async Task Every_refusal_has_the_rfc_6750_shape_for_its_status_and_a_generic_body(ReasonCode reason)
    {
        if (LogOnlyStatuses.Contains(StatusCell(RunbookRows, reason)) || reason is ReasonCode.Accepted or ReasonCode.DuplicateDelivery)
        {
            return; // not a refusal: the test above pins these
        }

        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await InboundResponses.WriteRejectionAsync(context, reason, "request-1");
        await context.Response.BodyWriter.FlushAsync(); // the server does this when the response ends

        var response = context.Response;
        var status = InboundResponses.StatusCodeFor(reason);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(response.Body);
        var error = body.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error_description").GetString()));
        Assert.Equal("request-1", body.RootElement.GetProperty("requestId").GetString());
        var challenge = response.Headers.WWWAuthenticate.ToString();

        switch (status)
        {
            case StatusCodes.Status401Unauthorized when reason == ReasonCode.MissingToken:
                // RFC 6750 3.1: no credentials, so the challenge carries no error code.
                Assert.Equal(Challenge, challenge);
                break;
            case StatusCodes.Status401Unauthorized when reason is ReasonCode.UnknownClient or ReasonCode.BadClientSecret:
                // The token endpoint (RFC 6749 5.2): a client that failed to authenticate gets invalid_client and the Basic challenge.
                Assert.Equal("Basic realm=\"jira-auth-functions\"", challenge);
                Assert.Equal("invalid_client", error);
                break;
            case StatusCodes.Status401Unauthorized:
                Assert.Equal($"{Challenge}, error=\"invalid_token\", error_description=\"The access token is invalid.\"", challenge);
                Assert.Equal("invalid_token", error);
                break;
            case StatusCodes.Status403Forbidden:
                Assert.StartsWith($"{Challenge}, error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
                Assert.Equal("insufficient_scope", error);
                break;
            case StatusCodes.Status503ServiceUnavailable:
                Assert.Equal("30", response.Headers.RetryAfter.ToString());
                Assert.Equal("temporarily_unavailable", error);
                Assert.Empty(challenge);
                break;
            default:
                Assert.InRange(status, 400, 499);
                Assert.Empty(challenge); // not an authentication failure: no challenge
                break;
        }

        if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status503ServiceUnavailable && reason.ToCode() != error)
        {
            // The wire says the RFC 6750 error only (insufficient_scope is one); which check failed goes to the log.
            response.Body.Position = 0;
            Assert.DoesNotContain(reason.ToCode(), new StreamReader(response.Body).ReadToEnd(), StringComparison.Ordinal);
        }
    }

    private static string StatusCell(IReadOnlyList<string[]> rows, ReasonCode reason)
    {
        var row = Assert.Single(rows, r => DocTables.SingleCode(r[0]) == reason.ToCode());
        return row[1];
    }
}
