using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Moq;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Tests;

public sealed class EventsEndpointTests : IAsyncLifetime
{
    private const string Webhook = """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1","fields":{"summary":"A"}}}""";
    private const string Url = "/api/jira/events/ci";
    private readonly HandlerFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static HttpRequestMessage Post(HttpContent content, string token = "header.payload.signature")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static StringContent Json(string body, string mediaType = "application/json") => new(body, Encoding.UTF8, mediaType);

    private string? LoggedReason() => _factory.Logs.WithEventId(EventIds.RequestRejected).Single()["Reason"];

    [Fact]
    public async Task A_rejected_token_gets_401_before_the_content_type_is_looked_at()
    {
        _factory.Rejecting(ReasonCode.BadSignature);
        var client = _factory.CreateClient();

        var response = await client.SendAsync(Post(new StringContent("not json", Encoding.UTF8, "text/plain")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("bad_signature", LoggedReason());
        _factory.Sink.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task A_body_that_is_not_json_gets_415(string mediaType)
    {
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();

        var response = await client.SendAsync(Post(Json(Webhook, mediaType)));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", LoggedReason());
        _factory.Sink.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON")]
    [InlineData("application/vnd.atlassian+json")]
    public async Task Json_content_types_are_accepted(string contentType)
    {
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Webhook));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await client.SendAsync(Post(content));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_whether_its_length_is_declared_or_not()
    {
        _factory.Settings["Inbound:MaxBodyBytes"] = "1024";
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();
        var big = """{"webhookEvent":"x","pad":" """ + new string('a', 2000) + "\"}";

        var declared = await client.SendAsync(Post(Json(big)));
        var chunked = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var undeclared = await client.SendAsync(Post(chunked));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, undeclared.StatusCode);
        Assert.All(_factory.Logs.WithEventId(EventIds.RequestRejected), e => Assert.Equal("body_too_large", e["Reason"]));
        _factory.Sink.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_body_exactly_at_the_limit_is_accepted()
    {
        _factory.Settings["Inbound:MaxBodyBytes"] = "1024";
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();
        var prefix = """{"webhookEvent":"x","pad":" """;
        var body = prefix + new string('a', 1024 - prefix.Length - 2) + "\"}";
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(body));

        var response = await client.SendAsync(Post(Json(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("\"a string\"")]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("")]
    public async Task A_body_that_is_not_a_jira_event_gets_400(string body)
    {
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();

        var response = await client.SendAsync(Post(Json(body)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("not_a_jira_event", LoggedReason());
        _factory.Sink.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(Webhook, JiraEventFormat.Webhook)]
    [InlineData("""{"issue":{"key":"OPS-2","fields":{"summary":"B"}},"user":{"accountId":"abc"}}""", JiraEventFormat.JiraFormat)]
    [InlineData("""{"key":"OPS-3","fields":{"summary":"C","status":{"name":"Open"}}}""", JiraEventFormat.AutomationFormat)]
    public async Task A_jira_event_goes_to_the_sink_with_who_sent_it_and_gets_202(string body, JiraEventFormat format)
    {
        _factory.AcceptingTokens();
        AcceptedEvent? written = null;
        string? payload = null; // the payload is valid only during AppendAsync, as for any sink
        _factory.Sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .Callback<AcceptedEvent, CancellationToken>((e, _) => (written, payload) = (e, Encoding.UTF8.GetString(e.Payload.Span)))
            .Returns(ValueTask.CompletedTask);
        var client = _factory.CreateClient();
        var request = Post(Json(body));
        request.Headers.Add(TestRequestIds.Header, "inv-123");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("inv-123", reply.RootElement.GetProperty("requestId").GetString());
        Assert.NotNull(written);
        Assert.Equal(written!.EventId, reply.RootElement.GetProperty("eventId").GetString());
        Assert.Equal("ci", written.Integration);
        Assert.Equal(format, written.Format);
        Assert.Equal("rule-42", written.Caller.Subject);
        Assert.Equal(body, payload);
        var accepted = _factory.Logs.WithEventId(EventIds.EventAccepted).Single();
        Assert.Equal("inv-123", accepted["RequestId"]);
    }

    [Fact]
    public async Task A_sink_that_cannot_write_gets_503_with_retry_after_and_no_detail()
    {
        _factory.AcceptingTokens();
        _factory.Sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EventSinkUnavailableException("disk /var/secret-path is full", new IOException("No space left on device")));
        var client = _factory.CreateClient();

        var response = await client.SendAsync(Post(Json(Webhook)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("30", response.Headers.RetryAfter?.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret-path", body, StringComparison.Ordinal);
        Assert.DoesNotContain("space", body, StringComparison.Ordinal);
        Assert.Equal("sink_unavailable", LoggedReason());
        Assert.Single(_factory.Logs.WithEventId(EventIds.SinkWriteFailed));
    }

    [Fact]
    public async Task The_events_route_answers_only_post()
    {
        _factory.AcceptingTokens();
        var client = _factory.CreateClient();

        var response = await client.GetAsync(Url);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>A body without a length: sent chunked, so only reading it shows how big it is.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
