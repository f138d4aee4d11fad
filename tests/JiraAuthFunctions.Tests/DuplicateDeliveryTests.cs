using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Moq;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests;

/// <summary>
/// The endpoint's retry check with the app's own delivery log: consulted before the sink write,
/// recorded only after the write succeeded, a retry answered 202 with the first event id.
/// </summary>
public sealed class DuplicateDeliveryTests : IAsyncLifetime
{
    private const string Webhook = """{"webhookEvent":"jira:issue_created","issue":{"key":"OPS-7"}}""";
    private const string Url = "/api/jira/events/ci";
    private readonly HandlerFactory _factory = new();
    private readonly List<AcceptedEvent> _written = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private void AcceptingDelivery(string deliveryKey) =>
        _factory.Validator.Setup(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TokenCheck.Accept(new CallerInfo("v1", null, null, null, null)
            {
                Context = [new("deliveryId", deliveryKey.Split(':')[0])],
                DeliveryKey = deliveryKey,
            }));

    private void SinkWrites() =>
        _factory.Sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .Callback<AcceptedEvent, CancellationToken>((e, _) => _written.Add(e))
            .Returns(ValueTask.CompletedTask);

    private async Task<(HttpStatusCode Status, string? EventId)> PostAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(Webhook, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "header.payload.signature");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        return (response.StatusCode, json.RootElement.TryGetProperty("eventId", out var id) ? id.GetString() : null);
    }

    [Fact]
    public async Task A_retry_of_an_accepted_delivery_gets_202_with_the_first_event_id_and_no_second_write()
    {
        AcceptingDelivery("d-1:digest");
        SinkWrites();
        var client = _factory.CreateClient();

        var first = await PostAsync(client);
        var retry = await PostAsync(client);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        Assert.Equal(first.EventId, retry.EventId);
        var written = Assert.Single(_written);
        Assert.Equal(first.EventId, written.EventId);
        Assert.Equal([new("deliveryId", "d-1")], written.Caller.Context);
        var duplicate = Assert.Single(_factory.Logs.WithEventId(EventIds.DuplicateDeliveryAnswered));
        Assert.Equal(first.EventId, duplicate["AcceptedEventId"]);
        Assert.Equal("d-1", duplicate["DeliveryId"]);
        Assert.Single(_factory.Logs.WithEventId(EventIds.EventAccepted));
    }

    [Fact]
    public async Task A_failed_write_does_not_mark_the_delivery_so_the_retry_is_stored()
    {
        AcceptingDelivery("d-2:digest");
        _factory.Sink.SetupSequence(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EventSinkUnavailableException("queue down", new IOException("unreachable")))
            .Returns(ValueTask.CompletedTask);
        var client = _factory.CreateClient();

        var failed = await PostAsync(client);
        var retry = await PostAsync(client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        Assert.NotNull(retry.EventId);
        _factory.Sink.Verify(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Empty(_factory.Logs.WithEventId(EventIds.DuplicateDeliveryAnswered));
    }

    [Fact]
    public async Task A_caller_without_a_delivery_key_is_written_every_time()
    {
        _factory.AcceptingTokens();
        SinkWrites();
        var client = _factory.CreateClient();

        var first = await PostAsync(client);
        var second = await PostAsync(client);

        Assert.NotEqual(first.EventId, second.EventId);
        Assert.Equal(2, _written.Count);
    }
}
