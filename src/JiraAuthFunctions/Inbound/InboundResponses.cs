using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using Microsoft.Net.Http.Headers;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// What the caller is told. One switch maps every reason to a named refusal (status, RFC 6750
/// challenge, error); the wire text is generic
/// (RFC 6750 error codes and fixed descriptions), the specific reason goes to the log only.
/// A request id in every body lets a Jira admin hand on-call the one log line that explains it.
/// </summary>
internal static class InboundResponses
{
    public const string Realm = "jira-auth-functions";

    /// <summary>One way to answer: the status and, for a refusal, the generic error the body carries and the RFC 6750 challenge (401, 403).</summary>
    private sealed record Answer(int Status, string? Error = null, string? Description = null, string? Challenge = null);

    // The fixed answers, named (as AuthenticateResults are in ASP.NET Core): the wire text is generic.
    private static readonly Answer NoToken = new(StatusCodes.Status401Unauthorized, "invalid_request", "A bearer token is required.",
        // RFC 6750 3.1: a request without credentials gets the challenge without an error code.
        $"Bearer realm=\"{Realm}\"");

    private static readonly Answer InvalidToken = new(StatusCodes.Status401Unauthorized, "invalid_token", "The access token is invalid.",
        $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"The access token is invalid.\"");

    private static readonly Answer InsufficientScope = new(StatusCodes.Status403Forbidden, "insufficient_scope", "The access token does not grant the required scope.",
        $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", error_description=\"The access token does not grant the required scope.\"");

    private static readonly Answer Unavailable = new(StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "The service cannot accept events right now; retry later.");
    private static readonly Answer UnsupportedMediaType = new(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the event as application/json.");
    private static readonly Answer BodyTooLarge = new(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The event body is larger than this endpoint accepts.");
    private static readonly Answer NotAJiraEvent = new(StatusCodes.Status400BadRequest, "invalid_request", "The body is not a Jira event: send a webhook payload, or issue data in Jira or Automation format.");
    private static readonly Answer InvalidLifecyclePayload = new(StatusCodes.Status400BadRequest, "invalid_request", "The body is not a valid Atlassian Connect lifecycle payload.");
    private static readonly Answer Accepted = new(StatusCodes.Status202Accepted);
    private static readonly Answer InvalidClient = new(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed.", $"Basic realm=\"{Realm}\"");
    private static readonly Answer ClientRateLimited = new(StatusCodes.Status429TooManyRequests, "invalid_client", "Too many failed attempts for this client; retry later.");
    private static readonly Answer InvalidScope = new(StatusCodes.Status400BadRequest, "invalid_scope", "The requested scope is not allowed for this client.");
    private static readonly Answer UnsupportedGrantType = new(StatusCodes.Status400BadRequest, "unsupported_grant_type", "Only client_credentials is supported.");
    private static readonly Answer InvalidTokenRequest = new(StatusCodes.Status400BadRequest, "invalid_request", "The token request is malformed.");

    public static int StatusCodeFor(ReasonCode reason) => AnswerFor(reason).Status;

    /// <summary>
    /// Every reason, named: no discard arm, so a new <see cref="ReasonCode"/> member without a line here
    /// is a compile error (CS8509 under TreatWarningsAsErrors) rather than a 500 at run time.
    /// </summary>
#pragma warning disable CS8524 // only unnamed values (a cast int) are left; they throw SwitchExpressionException
    private static Answer AnswerFor(ReasonCode reason) => reason switch
    {
        ReasonCode.Accepted or ReasonCode.DuplicateDelivery => Accepted,
        ReasonCode.MissingToken => NoToken,
        ReasonCode.InsufficientScope => InsufficientScope,
        ReasonCode.KeysUnavailable or ReasonCode.ReplayCheckUnavailable or ReasonCode.SinkUnavailable or ReasonCode.InstallKeyUnavailable => Unavailable,
        ReasonCode.UnsupportedMediaType => UnsupportedMediaType,
        ReasonCode.BodyTooLarge => BodyTooLarge,
        ReasonCode.NotAJiraEvent => NotAJiraEvent,
        ReasonCode.InvalidLifecyclePayload => InvalidLifecyclePayload,

        // The token endpoint's refusals (RFC 6749 5.2: invalid_client 401 with a Basic challenge, the others 400; 429 while failures are throttled).
        ReasonCode.UnknownClient or ReasonCode.BadClientSecret => InvalidClient,
        ReasonCode.ClientRateLimited => ClientRateLimited,
        ReasonCode.InvalidScope => InvalidScope,
        ReasonCode.UnsupportedGrantType => UnsupportedGrantType,
        ReasonCode.InvalidTokenRequest => InvalidTokenRequest,
        ReasonCode.TokenTooLarge or ReasonCode.MalformedToken or ReasonCode.DuplicateMember
            or ReasonCode.EncryptedToken or ReasonCode.AlgorithmNotAllowed or ReasonCode.ForbiddenHeader
            or ReasonCode.UnknownCriticalHeader or ReasonCode.UnknownIntegration or ReasonCode.UnknownKid
            or ReasonCode.BadSignature or ReasonCode.MissingClaim or ReasonCode.InvalidIssuer
            or ReasonCode.InvalidAudience or ReasonCode.TokenExpired or ReasonCode.TokenNotYetValid
            or ReasonCode.IssuedInFuture or ReasonCode.LifetimeExceeded or ReasonCode.MissingJti
            or ReasonCode.ReplayedJti or ReasonCode.RevokedToken or ReasonCode.QshMismatch or ReasonCode.UnknownTenant
            or ReasonCode.ContextQshNotAllowed or ReasonCode.ClientKeyMismatch or ReasonCode.MissingSignature
            or ReasonCode.MalformedSignature or ReasonCode.SignatureAlgorithmNotAllowed
            or ReasonCode.ForgeAppMismatch or ReasonCode.SharedSecretLifecycle
            or ReasonCode.ReplayedLifecycleToken or ReasonCode.KeyAlgorithmMismatch => InvalidToken,

        // The credentials job's findings: logged and shown in health, never the answer to a request.
        ReasonCode.WebhookRefreshFailed or ReasonCode.WebhookExpired or ReasonCode.ScopeMissing =>
            throw new InvalidOperationException($"Reason {reason} is logged only, never an HTTP answer."),
    };
#pragma warning restore CS8524

    public static Task WriteRejectionAsync(HttpContext context, ReasonCode reason, string requestId)
    {
        WriteRejection(context, reason, requestId);
        return Task.CompletedTask;
    }

    /// <summary>The refusal for <paramref name="reason"/>: status, headers and body, into the response's pipe.</summary>
    public static void WriteRejection(HttpContext context, ReasonCode reason, string requestId)
    {
        var refusal = AnswerFor(reason);
        if (refusal.Error is null || refusal.Description is null)
        {
            throw new InvalidOperationException($"Reason {reason} is not a refusal.");
        }

        var response = context.Response;
        response.StatusCode = refusal.Status;
        response.Headers.CacheControl = "no-store";
        if (refusal.Challenge is { } challenge)
        {
            response.Headers.WWWAuthenticate = challenge;
        }

        if (refusal.Status == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = "30";
        }

        WriteJson(response, (refusal, requestId), static (writer, answer) =>
        {
            writer.WriteString("error", answer.refusal.Error);
            writer.WriteString("error_description", answer.refusal.Description);
            writer.WriteString("requestId", answer.requestId);
        });
    }

    // Every accepted event passes here: no closure, no task, and the writer straight on the response's pipe.
    public static void WriteAccepted(HttpContext context, string eventId, string requestId)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        WriteJson(response, (eventId, requestId), static (writer, ids) =>
        {
            writer.WriteString("eventId", ids.eventId);
            writer.WriteString("requestId", ids.requestId);
        });
    }

    /// <summary>Writes one JSON object as the response body (UTF-8), its members by <paramref name="write"/>.</summary>
    /// <remarks>
    /// Into the response's pipe only: the server sends it when the request completes (as it did when the
    /// writer was flushed asynchronously, which advances the pipe without flushing it). Nothing here waits.
    /// </remarks>
    internal static Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        WriteJson(response, write, static (writer, write) => write(writer));
        return Task.CompletedTask;
    }

    private static void WriteJson<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write)
    {
        response.ContentType = "application/json; charset=utf-8";
        var writer = PooledJsonWriters.RentForResponse(response.BodyWriter);
        try
        {
            writer.WriteStartObject();
            write(writer, state);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            PooledJsonWriters.Return(writer);
        }
    }
}
