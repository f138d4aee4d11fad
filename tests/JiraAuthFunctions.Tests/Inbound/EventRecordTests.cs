using System.Buffers;
using System.Text;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tokens;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// The record's bytes, pinned: what a person reads in the event file and a consumer parses. The
/// writers are reused per thread (one for records, one for responses): whatever was written
/// before on the thread, a record comes out the same.
/// </summary>
public sealed class EventRecordTests
{
    private static readonly AcceptedEvent Accepted = new()
    {
        EventId = "0192a8f0c3e47a1b8c2d3e4f5a6b7c8d",
        ReceivedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero),
        Integration = "ci",
        Format = JiraEventFormat.Webhook,
        Caller = CallerInfo.FromToken("kid-1", "jira <prod>", "rule-1", "jti-1", "HS256") with
        {
            Context = [new("deliveryId", "d-1"), new("tenant", "Größe & \"co\"")],
        },
        Payload = "{\"webhookEvent\":\"jira:issue_updated\",\"issue\":{\"key\":\"ÄÖ-7\",\"fields\":{\"summary\":\"<b>\\u00e9\"}}}"u8.ToArray(),
    };

    private static readonly string Expected =
        "{\"eventId\":\"0192a8f0c3e47a1b8c2d3e4f5a6b7c8d\",\"receivedAt\":\"2026-11-24T10:00:00.123+00:00\",\"integration\":\"ci\",\"format\":\"webhook\","
        + "\"caller\":{\"issuer\":\"jira <prod>\",\"subject\":\"rule-1\",\"kid\":\"kid-1\",\"jtiHash\":\"" + JiraAuthFunctions.Replay.JtiHash.Compute("jti-1") + "\","
        + "\"context\":{\"deliveryId\":\"d-1\",\"tenant\":\"Größe & \\\"co\\\"\"}},"
        + "\"event\":{\"webhookEvent\":\"jira:issue_updated\",\"issue\":{\"key\":\"ÄÖ-7\",\"fields\":{\"summary\":\"<b>\\u00e9\"}}}}";

    [Fact]
    public void A_record_is_the_same_bytes_whatever_was_written_before_on_the_thread()
    {
        Assert.Equal(Expected, Write());

        // A response (HTML-safe escaping) between two records, and a record that failed half-way.
        var context = new DefaultHttpContext();
        context.Response.Body = Stream.Null;
        InboundResponses.WriteAccepted(context, "<id>", "req-<1>");
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => EventRecord.Write(new ArrayBufferWriter<byte>(), Accepted with { Payload = "{\"broken\":"u8.ToArray() }));

        Assert.Equal(Expected, Write());
    }

    [Fact]
    public async Task A_response_is_escaped_for_html_whatever_was_written_before_on_the_thread()
    {
        Write();
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        InboundResponses.WriteAccepted(context, "e-1", "req-<1>");
        await context.Response.CompleteAsync();

        Assert.Equal("{\"eventId\":\"e-1\",\"requestId\":\"req-\\u003C1\\u003E\"}", Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
    }

    private static string Write()
    {
        var buffer = new ArrayBufferWriter<byte>();
        EventRecord.Write(buffer, Accepted);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
