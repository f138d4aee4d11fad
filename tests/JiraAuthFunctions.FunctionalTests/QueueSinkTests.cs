using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>The queue sink against Azurite: 202 only after the queue has the message; too large goes by blob; storage down is 503.</summary>
public sealed class QueueSinkTests : IAsyncLifetime
{
    private const string Secret = "queue-test-shared-secret-0123456789abcdef";
    private Azurite _azurite = null!;
    private TestApp _app = null!;
    private string _version = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        var settings = TestApp.SharedSecretIntegration("ci", replay: "LongLivedToken", maxLifetime: "1.00:00:00");
        settings["Events:Sink"] = "Queue";
        settings["Storage:ConnectionString"] = _azurite.ConnectionString;
        _app = await TestApp.StartAsync(settings);
        _version = (await _app.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", Secret)).Version;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private string Token() => TestTokens.Create(TestTokens.Header("HS256", _version), TestTokens.Claims(TimeProvider.System.GetUtcNow()), TestTokens.Hmac(Secret));

    private QueueClient Queue => new(_azurite.ConnectionString, QueueEventSink.DefaultQueueName);

    [Fact]
    public async Task An_accepted_event_is_on_the_queue_when_the_202_arrives()
    {
        var reply = await _app.PostEventAsync("ci", Http.Bearer(Token()));

        Assert.Equal(202, reply.Status);
        var message = Assert.Single((await Queue.ReceiveMessagesAsync(10)).Value);
        using var record = JsonDocument.Parse(message.Body.ToString());
        Assert.Equal(reply.EventId, record.RootElement.GetProperty("eventId").GetString());
        Assert.Equal("OPS-1", record.RootElement.GetProperty("event").GetProperty("issue").GetProperty("key").GetString());
        Assert.DoesNotContain(Secret, message.Body.ToString(), StringComparison.Ordinal);
        var health = await _app.HealthOfAsync("sink");
        Assert.Equal("ok", health.GetProperty("state").GetString());
        Assert.True(health.GetProperty("lastSuccess").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task An_event_too_large_for_a_message_goes_to_a_blob_and_the_message_points_at_it()
    {
        var big = "{\"webhookEvent\":\"jira:issue_updated\",\"issue\":{\"key\":\"OPS-9\",\"fields\":{\"description\":\"" + new string('x', 100_000) + "\"}}}";

        var reply = await _app.PostEventAsync("ci", Http.Bearer(Token()), big);

        Assert.Equal(202, reply.Status);
        var message = Assert.Single((await Queue.ReceiveMessagesAsync(10)).Value);
        using var pointer = JsonDocument.Parse(message.Body.ToString());
        var blobPath = pointer.RootElement.GetProperty("blob").GetString()!.Split('/', 2);
        var blob = new BlobContainerClient(_azurite.ConnectionString, blobPath[0]).GetBlobClient(blobPath[1]);
        using var record = JsonDocument.Parse((await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(reply.EventId, record.RootElement.GetProperty("eventId").GetString());
        Assert.Equal(100_000, record.RootElement.GetProperty("event").GetProperty("issue").GetProperty("fields").GetProperty("description").GetString()!.Length);
    }

    [Fact]
    public async Task With_storage_down_the_caller_gets_503_and_retry_after()
    {
        await _azurite.DisposeAsync();
        Reply reply;
        try
        {
            reply = await _app.PostEventAsync("ci", Http.Bearer(Token()));
        }
        finally
        {
            _azurite = await Azurite.StartAsync(); // a fresh one for DisposeAsync
        }

        Assert.Equal(503, reply.Status);
        Assert.Equal("30", reply.Header("Retry-After"));
        Assert.Equal("sink_unavailable", Outcome.DecisionsFor(_app, reply.RequestId).Single()["Reason"]);
        var health = await _app.HealthOfAsync("sink");
        Assert.Equal("unhealthy", health.GetProperty("state").GetString());
        Assert.Equal("write_failed", health.GetProperty("detail").GetString());
    }
}
