using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The one log line per inbound decision. Fields are on-call's query keys: integration, reason,
/// kid, issuer, subject, jti hash, request id. Never a token, a signature or a secret.
/// No field is named EventId or EventName: Azure Monitor's exporter writes those itself (the log's
/// event id) and drops a record that has a second one, so the event's id is AcceptedEventId.
/// </summary>
public static partial class InboundLog
{
    [LoggerMessage(EventIds.EventAccepted, LogLevel.Information,
        "Event {AcceptedEventId} accepted for {Integration}: format {Format}, kid {Kid}, issuer {Issuer}, subject {Subject}, jti hash {JtiHash}, request {RequestId}.",
        EventName = "EventAccepted")]
    public static partial void EventAccepted(ILogger logger, string acceptedEventId, string integration, string format, string? kid, string? issuer, string? subject, string? jtiHash, string requestId);

    [LoggerMessage(EventIds.RequestRejected, LogLevel.Warning,
        "Request for {Integration} rejected with {StatusCode}: reason {Reason}, kid {Kid}, issuer {Issuer}, subject {Subject}, jti hash {JtiHash}, request {RequestId}.",
        EventName = "RequestRejected")]
    public static partial void RequestRejected(ILogger logger, string integration, int statusCode, string reason, string? kid, string? issuer, string? subject, string? jtiHash, string requestId);

    [LoggerMessage(EventIds.DuplicateDeliveryAnswered, LogLevel.Information,
        "Delivery {DeliveryId} for {Integration} was accepted before as event {AcceptedEventId}: answered 202 again without a second write. Request {RequestId}.",
        EventName = "DuplicateDeliveryAnswered")]
    public static partial void DuplicateDeliveryAnswered(ILogger logger, string integration, string? deliveryId, string acceptedEventId, string requestId);

    [LoggerMessage(EventIds.SinkWriteFailed, LogLevel.Error,
        "Event sink write failed for {Integration} ({ErrorType}); answered 503 so the sender retries. Request {RequestId}.",
        EventName = "SinkWriteFailed")]
    public static partial void SinkWriteFailed(ILogger logger, string integration, string errorType, string requestId);

    [LoggerMessage(EventIds.ReplayCommitFailed, LogLevel.Error,
        "Event {EventId} for {Integration} is stored and answered 202, but its jti (hash {JtiHash}) was not recorded as used ({Detail}): the same token is accepted again once its hold lapses. Request {RequestId}.",
        EventName = "ReplayCommitFailed")]
    public static partial void ReplayCommitFailed(ILogger logger, string eventId, string integration, string? jtiHash, string detail, string requestId);

    [LoggerMessage(EventIds.ReplayReleaseFailed, LogLevel.Warning,
        "The jti (hash {JtiHash}) of a request for {Integration} that was not accepted could not be released ({Detail}): the sender's retry with the same token is refused as replayed until its hold lapses. Request {RequestId}.",
        EventName = "ReplayReleaseFailed")]
    public static partial void ReplayReleaseFailed(ILogger logger, string integration, string? jtiHash, string detail, string requestId);
}
