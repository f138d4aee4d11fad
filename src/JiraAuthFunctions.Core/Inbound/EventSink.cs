namespace JiraAuthFunctions.Inbound;

/// <summary>Where accepted events go. A returned task completes only once the event is durable.</summary>
public interface IEventSink
{
    /// <summary>Writes the event; when the task completes the event survives a crash. Throws <see cref="EventSinkUnavailableException"/> when it cannot.</summary>
    ValueTask AppendAsync(AcceptedEvent acceptedEvent, CancellationToken cancellationToken = default);
}

/// <summary>An authenticated Jira event as the sink stores it.</summary>
public sealed record AcceptedEvent
{
    public required string EventId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Integration { get; init; }
    public required JiraEventFormat Format { get; init; }

    /// <summary>The verified caller (issuer, subject, kid, jti hash); never the token.</summary>
    public required CallerInfo Caller { get; init; }

    /// <summary>The event body as parsed JSON. Valid only during <see cref="IEventSink.AppendAsync"/>: a sink copies what it keeps.</summary>
    public required System.Text.Json.JsonElement Payload { get; init; }
}

/// <summary>The sink could not make an event durable; the caller should answer 503 so Jira retries.</summary>
public sealed class EventSinkUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
