using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

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

    // A token request is a few short parameters; anything larger is not one.
    private const int MaxBodyBytes = 4096;

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

    /// <summary>The request's parameters and client credentials; null when it is not a well-formed token request.</summary>
    private static async Task<TokenRequest?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        using var body = await EventsEndpoint.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Memory.Span);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        // RFC 6749 3.2: parameters sent without a value are treated as omitted; none may repeat.
        var form = QueryHelpers.ParseQuery(text);
        if (form.Values.Any(v => v.Count > 1))
        {
            return null;
        }

        var (clientId, clientSecret) = (Value(form, "client_id"), Value(form, "client_secret"));
        var authorization = request.Headers.Authorization;
        if (authorization.Count > 1)
        {
            return null;
        }

        if (authorization.Count == 1)
        {
            // RFC 6749 2.3: one authentication method per request.
            if (clientSecret is not null || !TryReadBasic(authorization[0], out var basicId, out var basicSecret) ||
                (clientId is not null && clientId != basicId))
            {
                return null;
            }

            (clientId, clientSecret) = (basicId, basicSecret);
        }

        return new TokenRequest(Value(form, "grant_type"), clientId, clientSecret, Value(form, "scope"));
    }

    private static string? Value(Dictionary<string, StringValues> form, string name) =>
        form.TryGetValue(name, out var values) && values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    // RFC 6749 2.3.1: base64 of client_id ":" client_secret, each form-urlencoded first.
    private static bool TryReadBasic(string? header, out string clientId, out string clientSecret)
    {
        (clientId, clientSecret) = ("", "");
        if (AuthorizationHeader.Credentials(header, "Basic") is not { } credentials || credentials.Length > 2048)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(credentials));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        clientId = WebUtility.UrlDecode(decoded[..colon]);
        clientSecret = WebUtility.UrlDecode(decoded[(colon + 1)..]);
        return clientSecret.Length > 0;
    }

    private static async Task WriteAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        response.StatusCode = status;

        // RFC 6749 5.1: a response carrying a token (or saying why not) is never cached.
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        write(writer);
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }
}
