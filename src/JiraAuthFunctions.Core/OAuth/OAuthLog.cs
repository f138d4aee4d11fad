using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// The token endpoint's log lines: one per request. The client id is logged only once it is known to
/// be a client's (an unknown one may be anything a caller typed, a secret pasted into the wrong field
/// among them); never a secret or a token, the issued token's jti only as its hash.
/// </summary>
public static partial class OAuthLog
{
    [LoggerMessage(EventIds.AccessTokenIssued, LogLevel.Information,
        "Access token issued for {Integration} to client {ClientId}: scope {Scope}, expires in {ExpiresIn} s, kid {Kid}, jti hash {JtiHash}, request {RequestId}.",
        EventName = "AccessTokenIssued")]
    public static partial void AccessTokenIssued(ILogger logger, string integration, string clientId, string scope, int expiresIn, string kid, string jtiHash, string requestId);

    [LoggerMessage(EventIds.TokenRequestRefused, LogLevel.Warning,
        "Token request for {Integration} refused with {StatusCode}: reason {Reason}, client {ClientId}, request {RequestId}.",
        EventName = "TokenRequestRefused")]
    public static partial void TokenRequestRefused(ILogger logger, string integration, int statusCode, string reason, string clientId, string requestId);

    [LoggerMessage(EventIds.ClientLockedOut, LogLevel.Warning,
        "Client {ClientId} of {Integration} failed {Failures} token requests within {Window}: refused with 429 until they age out. Request {RequestId}.",
        EventName = "ClientLockedOut")]
    public static partial void ClientLockedOut(ILogger logger, string integration, string clientId, int failures, TimeSpan window, string requestId);
}
