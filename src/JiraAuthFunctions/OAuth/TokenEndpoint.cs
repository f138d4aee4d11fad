using System.Globalization;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// <c>POST /api/oauth/token</c>: RFC 6749 4.4 client credentials. Reads the form and the client's
/// credentials (HTTP Basic, RFC 6749 2.3.1, or <c>client_id</c>/<c>client_secret</c> in the body, not
/// both), hands them to <see cref="ClientCredentialsGrant"/>, and answers RFC 6749 5.1/5.2 JSON with
/// <c>Cache-Control: no-store</c>. Every request ends in one log line (event 285 or 286).
/// </summary>
internal sealed class TokenEndpoint(ClientCredentialsGrant grant, ILogger<TokenEndpoint> logger)
{
    public const string Route = "/api/oauth/token";

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = EventsEndpoint.RequestIdOf(context);
        var request = await ReadAsync(context.Request, context.RequestAborted);
        var result = request is null
            ? new TokenGrant(ReasonCode.InvalidTokenRequest, ClientRateLimiter.UnknownClients, ClientRateLimiter.UnknownClients)
            : await grant.GrantAsync(request, context.RequestAborted);

        if (result.Succeeded)
        {
            OAuthLog.AccessTokenIssued(logger, result.Integration, result.ClientId, result.Scope!, result.ExpiresIn, result.Kid!, result.JtiHash!, requestId);
            await WriteAsync(context.Response, StatusCodes.Status200OK, writer =>
            {
                writer.WriteString("access_token", result.AccessToken);
                writer.WriteString("token_type", "Bearer");
                writer.WriteNumber("expires_in", result.ExpiresIn);
                writer.WriteString("scope", result.Scope);
            }, context.RequestAborted);
            return;
        }

        var status = StatusCodeFor(result.Reason);
        OAuthLog.TokenRequestRefused(logger, result.Integration, status, result.Reason.ToCode(), result.ClientId, requestId);
        if (result.LockedOut)
        {
            OAuthLog.ClientLockedOut(logger, result.Integration, result.ClientId, ClientRateLimiter.MaxFailures, ClientRateLimiter.Window, requestId);
        }

        var (error, description) = ErrorFor(result.Reason);
        var headers = context.Response.Headers;
        if (status == StatusCodes.Status401Unauthorized)
        {
            // RFC 6749 5.2: invalid_client answers 401 with the challenge of the scheme the client may use.
            headers.WWWAuthenticate = $"Basic realm=\"{InboundResponses.Realm}\", charset=\"UTF-8\"";
        }
        else if (result.RetryAfter is { } wait)
        {
            headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            headers.RetryAfter = "30";
        }

        await WriteAsync(context.Response, status, writer =>
        {
            writer.WriteString("error", error);
            writer.WriteString("error_description", description);
            writer.WriteString("requestId", requestId);
        }, context.RequestAborted);
    }

    internal static int StatusCodeFor(ReasonCode reason) => reason switch
    {
        ReasonCode.KeysUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => InboundResponses.StatusCodeFor(reason),
    };

    // Fixed texts: which check failed goes to the log, never to the caller.
    private static (string Error, string Description) ErrorFor(ReasonCode reason) => reason switch
    {
        ReasonCode.UnknownClient or ReasonCode.BadClientSecret => ("invalid_client", "Client authentication failed."),
        // RFC 8628 3.5's slow_down (registered for the token endpoint): the client is to wait Retry-After.
        ReasonCode.ClientRateLimited => ("slow_down", "Too many failed attempts for this client; retry after the Retry-After interval."),
        ReasonCode.InvalidScope => ("invalid_scope", "A requested scope is not allowed for this client."),
        ReasonCode.UnsupportedGrantType => ("unsupported_grant_type", "Only grant_type=client_credentials is supported."),
        ReasonCode.KeysUnavailable => ("temporarily_unavailable", "No access token can be issued right now; retry later."),
        _ => ("invalid_request", "Send grant_type=client_credentials as application/x-www-form-urlencoded, each parameter once, with the client authenticated one way."),
    };

    /// <summary>The request's parameters and client credentials (<see cref="TokenRequestReader"/>); null when it is not a well-formed token request.</summary>
    private static async Task<TokenRequest?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!TokenRequestReader.IsForm(request.ContentType))
        {
            return null;
        }

        using var body = await EventsEndpoint.ReadBodyAsync(request, TokenRequestReader.MaxBodyBytes, cancellationToken);
        return body is null ? null : TokenRequestReader.Read(request.Headers.Authorization.ToArray(), body.Memory.Span);
    }

    private static async Task WriteAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        response.StatusCode = status;

        // RFC 6749 5.1: a response carrying a token (or saying why not) is never cached.
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        await InboundResponses.WriteJsonAsync(response, write, cancellationToken);
    }
}
