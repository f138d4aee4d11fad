using System.Globalization;
using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// The attack table's rows for <c>POST /api/oauth/token</c>: what a request is, and what the caller and
/// on-call see (RFC 6749 5.1 or 5.2 JSON, <c>no-store</c>, the Basic challenge on 401, Retry-After on
/// 429, and one log line: event 285 with the issued token's jti hash, or 286 with the reason).
/// </summary>
public static partial class AttackCases
{
    public const string TokenPath = TokenEndpointRoute;

    private const string TokenEndpointRoute = "/api/oauth/token";
    private const string Grant = "grant_type=client_credentials";

    /// <summary>RFC 6749 2.3.1: id and secret each form-urlencoded, then base64.</summary>
    public static string Basic(string clientId, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}"));

    private static Attempt TokenEndpointAttack(AttackApp f, string name)
    {
        var (id, secret) = (f.CcClientId, f.CcClientSecret);
        var body = $"{Grant}&client_id={Uri.EscapeDataString(id)}&client_secret={Uri.EscapeDataString(secret)}";
        return name switch
        {
            "token endpoint: good request, Basic" => Token(AttackApp.Cc, Basic(id, secret), Grant),
            "token endpoint: good request, credentials in the body" => Token(AttackApp.Cc, null, body),
            "token endpoint: good request, one allowed scope" => Token(AttackApp.Cc, Basic(id, secret), Grant + "&scope=events%3Awrite"),
            "token endpoint: wrong secret" => Token(AttackApp.Cc, Basic(id, secret[..^4] + "AAAA"), Grant),
            "token endpoint: wrong secret in the body" => Token(AttackApp.Cc, null, $"{Grant}&client_id={Uri.EscapeDataString(id)}&client_secret=not-the-secret"),
            "token endpoint: secret of another integration's client" => Token(AttackApp.Cc, Basic(id, f.OtherCcClientSecret), Grant),
            "token endpoint: unknown client" => Token(AttackApp.Cc, Basic("nobody.0123456789abcdef01234567", secret), Grant),
            "token endpoint: client id of the integration's shape, not its client" => Token(AttackApp.Cc, Basic(AttackApp.Cc + ".0123456789abcdef01234567", secret), Grant),
            "token endpoint: no client credentials" => Token(AttackApp.Cc, null, Grant),
            "token endpoint: scope escalation" => Token(AttackApp.Cc, Basic(id, secret), Grant + "&scope=events%3Awrite%20admin"),
            "token endpoint: grant_type password" => Token(AttackApp.Cc, Basic(id, secret), "grant_type=password&username=jira&password=hunter2"),
            "token endpoint: no grant_type" => Token(AttackApp.Cc, Basic(id, secret), "scope=events%3Awrite"),
            "token endpoint: credentials in the Basic header and in the body" => Token(AttackApp.Cc, Basic(id, secret), body),
            "token endpoint: grant_type twice" => Token(AttackApp.Cc, Basic(id, secret), Grant + "&" + Grant),
            "token endpoint: body over 4 KB" => Token(AttackApp.Cc, Basic(id, secret), Grant + "&pad=" + new string('a', TokenRequestReader.MaxBodyBytes)),
            "token endpoint: JSON body" => Token(AttackApp.Cc, Basic(id, secret), """{"grant_type":"client_credentials"}""") with { ContentType = "application/json" },

            // A rule with a wrong secret, or someone who knows the client id: its wrong secrets slow down,
            // the right one still gets its token (nobody can lock the rule out).
            "token endpoint: wrong secret after 5 failures within 5 minutes" => LockedOut(f, f.OtherCcClientSecret[..^4] + "BBBB"),
            "token endpoint: right secret after 5 failures within 5 minutes" => LockedOut(f, f.OtherCcClientSecret),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such case."),
        };
    }

    private static Attempt Token(string integration, string? authorization, string body) =>
        new(integration, authorization, Path: TokenEndpointRoute) { Body = body, ContentType = TokenRequestReader.FormMediaType };

    private static Attempt LockedOut(AttackApp f, string secret) =>
        Token(AttackApp.OtherCc, Basic(f.OtherCcClientId, secret), Grant) with
        {
            RefusedBefore = [.. Enumerable.Range(0, ClientRateLimiter.MaxFailures).Select(i => Token(AttackApp.OtherCc, Basic(f.OtherCcClientId, "wrong-" + i), Grant))],
            NotCheckable = "its outcome depends on the failures the app counted for this client first (its rate limit), which no check can read",
        };

    private static async Task<Reply> PostTokenRequestAsync(AttackApp f, Attempt attempt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, attempt.Path)
        {
            Content = new StringContent(attempt.Body, Encoding.UTF8, attempt.ContentType ?? TokenRequestReader.FormMediaType),
        };
        if (attempt.Authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", attempt.Authorization));
        }

        using var response = await f.App.Client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
        return new Reply((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    private static void AssertTokenOutcome(AttackApp f, Attempt attempt, Reply reply, int status, string reason)
    {
        Assert.True(reply.Status == status, $"Expected {status} ({reason}), got {reply.Status}: {reply.Body}");
        Assert.Equal("no-store", reply.Header("Cache-Control"));
        Assert.StartsWith("application/json", reply.Header("Content-Type"), StringComparison.Ordinal);
        var body = reply.Json();
        if (status == 200)
        {
            // RFC 6749 5.1; the one log line is found by the token's own jti (as its hash).
            Assert.Equal(["access_token", "token_type", "expires_in", "scope"], body.EnumerateObject().Select(p => p.Name));
            Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
            Assert.Null(reply.Header("WWW-Authenticate"));
            var payload = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(body.GetProperty("access_token").GetString()!.Split('.')[1])).RootElement;
            var issued = Assert.Single(f.App.Logs.WithEventId(EventIds.AccessTokenIssued), e => e["JtiHash"] == JtiHash.Compute(payload.GetProperty("jti").GetString()!));
            Assert.Equal(attempt.Integration, issued["Integration"]);
            Assert.Equal(payload.GetProperty("sub").GetString(), issued["ClientId"]);
            return;
        }

        var error = reason switch
        {
            "unknown_client" or "bad_client_secret" => "invalid_client",
            "client_rate_limited" => "slow_down",
            "invalid_scope" or "unsupported_grant_type" => reason,
            "invalid_token_request" => "invalid_request",
            _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a token endpoint reason."),
        };
        Assert.Equal(["error", "error_description", "requestId"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(error, body.GetProperty("error").GetString());
        if (reason != error)
        {
            Assert.DoesNotContain(reason, reply.Body, StringComparison.Ordinal);
        }

        // RFC 6749 5.2: invalid_client is a 401 with the challenge of the scheme the client may use.
        Assert.Equal(status == 401 ? $"Basic realm=\"{InboundRealm}\", charset=\"UTF-8\"" : null, reply.Header("WWW-Authenticate"));
        if (status == 429)
        {
            Assert.InRange(int.Parse(reply.Header("Retry-After")!, CultureInfo.InvariantCulture), 1, (int)ClientRateLimiter.Window.TotalSeconds);
        }

        var requestId = body.GetProperty("requestId").GetString();
        var refused = Assert.Single(f.App.Logs.WithEventId(EventIds.TokenRequestRefused), e => e["RequestId"] == requestId);
        Assert.Equal(reason, refused["Reason"]);
        Assert.Equal(status.ToString(CultureInfo.InvariantCulture), refused["StatusCode"]);
        Assert.Empty(Outcome.DecisionsFor(f.App, requestId!));
    }

    private const string InboundRealm = "jira-auth-functions";
}
