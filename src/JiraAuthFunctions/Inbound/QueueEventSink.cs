using System.Buffers;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Accepted events to an Azure Storage queue: the 202 is sent only after the queue accepted the
/// message. A record too large for a queue message is written to a blob first and the message
/// points at it. Any storage failure is <see cref="EventSinkUnavailableException"/>: the caller
/// gets 503 with Retry-After (Jira retries) and nothing is lost. Health says whether the last
/// write worked (<c>write_failed</c> until one works again) and when one last did.
/// </summary>
/// <param name="createIfMissing">
/// Create the queue and the overflow container on first use: for a connection string (Azurite, local).
/// False in Azure, where the deployment creates both and the identity holds only *Storage Queue Data
/// Message Sender* on the queue, which cannot create one (a create on an existing queue answers 403).
/// </param>
public sealed class QueueEventSink(QueueClient queue, BlobContainerClient overflow, TimeProvider? timeProvider = null, bool createIfMissing = true) : IEventSink, IDependencyHealth
{
    public const string DefaultQueueName = "accepted-events";

    // A queue message holds 64 KiB; the SDK sends text as is, so stay below with room for the envelope.
    internal const int MaxInlineBytes = 48 * 1024;

    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;
    private int _ready;
    private volatile DependencyState _state = new(JsonLinesEventSink.HealthName, HealthStatus.Healthy);

    /// <summary>Retries bounded for a request path: Jira waits on the answer, and a 503 makes it retry later.</summary>
    public static T WithRequestPathRetries<T>(T options) where T : Azure.Core.ClientOptions
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    public async ValueTask AppendAsync(AcceptedEvent acceptedEvent, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        EventRecord.Write(buffer, acceptedEvent);
        try
        {
            await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            string message;
            if (buffer.WrittenCount <= MaxInlineBytes)
            {
                message = Encoding.UTF8.GetString(buffer.WrittenSpan);
            }
            else
            {
                var blobName = $"{acceptedEvent.EventId}.json";
                await overflow.GetBlobClient(blobName).UploadAsync(new BinaryData(buffer.WrittenMemory), overwrite: true, cancellationToken).ConfigureAwait(false);
                message = $$"""{"eventId":"{{acceptedEvent.EventId}}","blob":"{{overflow.Name}}/{{blobName}}"}""";
            }

            await queue.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
            _state = new DependencyState(JsonLinesEventSink.HealthName, HealthStatus.Healthy, null, _timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or TimeoutException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _state = new DependencyState(JsonLinesEventSink.HealthName, HealthStatus.Unhealthy, "write_failed", _state.LastSuccess);
            throw new EventSinkUnavailableException($"The queue {queue.Name} did not accept the event.", ex);
        }
    }

    /// <summary>The last write's outcome, kept by <see cref="AppendAsync"/>: a probe does not call the queue.</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_state);

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (!createIfMissing || Volatile.Read(ref _ready) == 1)
        {
            return;
        }

        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await overflow.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _ready, 1);
    }
}
