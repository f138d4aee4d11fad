using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using Microsoft.Net.Http.Headers;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// What the caller is told. One switch maps every reason to a status; the wire text is generic
/// (RFC 6750 error codes and fixed descriptions), the specific reason goes to the log only.
/// A request id in every body lets a Jira admin hand on-call the one log line that explains it.
/// </summary>
internal static class InboundResponses
{
    public const string Realm = "jira-auth-functions";

    public static int StatusCodeFor(ReasonCode reason) => reason switch
    {
        ReasonCode.Accepted or ReasonCode.DuplicateDelivery => StatusCodes.Status202Accepted,
        ReasonCode.InsufficientScope => StatusCodes.Status403Forbidden,
        ReasonCode.KeysUnavailable or ReasonCode.ReplayCheckUnavailable or ReasonCode.SinkUnavailable or ReasonCode.InstallKeyUnavailable => StatusCodes.Status503ServiceUnavailable,
        ReasonCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ReasonCode.BodyTooLarge => StatusCodes.Status413PayloadTooLarge,
        ReasonCode.NotAJiraEvent or ReasonCode.InvalidLifecyclePayload => StatusCodes.Status400BadRequest,
        ReasonCode.MissingToken or ReasonCode.TokenTooLarge or ReasonCode.MalformedToken or ReasonCode.DuplicateMember
            or ReasonCode.EncryptedToken or ReasonCode.AlgorithmNotAllowed or ReasonCode.ForbiddenHeader
            or ReasonCode.UnknownCriticalHeader or ReasonCode.UnknownIntegration or ReasonCode.UnknownKid
            or ReasonCode.BadSignature or ReasonCode.MissingClaim or ReasonCode.InvalidIssuer
            or ReasonCode.InvalidAudience or ReasonCode.TokenExpired or ReasonCode.TokenNotYetValid
            or ReasonCode.IssuedInFuture or ReasonCode.LifetimeExceeded or ReasonCode.MissingJti
            or ReasonCode.ReplayedJti or ReasonCode.RevokedToken or ReasonCode.QshMismatch or ReasonCode.UnknownTenant
            or ReasonCode.ContextQshNotAllowed or ReasonCode.ClientKeyMismatch or ReasonCode.MissingSignature
            or ReasonCode.MalformedSignature or ReasonCode.SignatureAlgorithmNotAllowed
            or ReasonCode.ForgeAppMismatch or ReasonCode.SharedSecretLifecycle
            or ReasonCode.ReplayedLifecycleToken or ReasonCode.KeyAlgorithmMismatch => StatusCodes.Status401Unauthorized,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Reason code without a status."),
    };

    public static async Task WriteRejectionAsync(HttpContext context, ReasonCode reason, string requestId)
    {
        var status = StatusCodeFor(reason);
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";

        string error;
        string description;
        switch (status)
        {
            case StatusCodes.Status401Unauthorized when reason == ReasonCode.MissingToken:
                // RFC 6750 3.1: a request without credentials gets the challenge without an error code.
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\"";
                (error, description) = ("invalid_request", "A bearer token is required.");
                break;
            case StatusCodes.Status401Unauthorized:
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"The access token is invalid.\"";
                (error, description) = ("invalid_token", "The access token is invalid.");
                break;
            case StatusCodes.Status403Forbidden:
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", error_description=\"The access token does not grant the required scope.\"";
                (error, description) = ("insufficient_scope", "The access token does not grant the required scope.");
                break;
            case StatusCodes.Status503ServiceUnavailable:
                response.Headers.RetryAfter = "30";
                (error, description) = ("temporarily_unavailable", "The service cannot accept events right now; retry later.");
                break;
            case StatusCodes.Status415UnsupportedMediaType:
                (error, description) = ("unsupported_media_type", "Send the event as application/json.");
                break;
            case StatusCodes.Status413PayloadTooLarge:
                (error, description) = ("body_too_large", "The event body is larger than this endpoint accepts.");
                break;
            case StatusCodes.Status400BadRequest when reason == ReasonCode.InvalidLifecyclePayload:
                (error, description) = ("invalid_request", "The body is not a valid Atlassian Connect lifecycle payload.");
                break;
            default:
                (error, description) = ("invalid_request", "The body is not a Jira event: send a webhook payload, or issue data in Jira or Automation format.");
                break;
        }

        await WriteJsonAsync(response, writer =>
        {
            writer.WriteString("error", error);
            writer.WriteString("error_description", description);
            writer.WriteString("requestId", requestId);
        }, context.RequestAborted);
    }

    // Every accepted event passes here: no closure, and the writer straight on the response's pipe.
    public static async Task WriteAcceptedAsync(HttpContext context, string eventId, string requestId)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("eventId", eventId);
        writer.WriteString("requestId", requestId);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        write(writer);
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }
}
