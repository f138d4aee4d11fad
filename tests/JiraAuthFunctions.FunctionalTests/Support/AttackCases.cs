using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>One request of an attack case: where it goes, its Authorization header exactly, other headers and the body.</summary>
/// <param name="SendTwice">Sent once first (that one must be accepted); the second reply is the outcome.</param>
/// <param name="Path">Path and query to POST to instead of <c>/api/jira/events/{Integration}</c> (Connect routes).</param>
public sealed record Attempt(string Integration, string? Authorization, bool SendTwice = false, string? Path = null)
{
    /// <summary>Headers besides Authorization (a webhook's X-Hub-Signature and delivery id).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body: the webhook event unless set (a Connect lifecycle payload, a changed body).</summary>
    public string Body { get; init; } = Http.WebhookEvent;

    /// <summary>Another request sent first, which must be accepted (e.g. the delivery a later one claims to retry).</summary>
    public Attempt? Before { get; init; }

    /// <summary>Requests sent first that must be refused (the failed token requests that put a client over its limit).</summary>
    public IReadOnlyList<Attempt> RefusedBefore { get; init; } = [];

    /// <summary>The body's media type; null: the events' <c>application/json</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// Why <c>jiraauth check</c> cannot judge this row, or null when it must name the row's reason: the
    /// outcome depends on state the app built from earlier requests, which no check can read.
    /// </summary>
    public string? NotCheckable { get; init; }

    /// <summary>A request to the token endpoint (<c>POST /api/oauth/token</c>), not to an events route.</summary>
    public bool IsTokenRequest => Path == AttackCases.TokenPath;
}

/// <summary>
/// The attack table over HTTP: each row names a request an attacker (or a legitimate caller) sends
/// and the exact status and logged reason it must get. Shared by the attack suite and the log scan.
/// </summary>
public static partial class AttackCases
{
    public const string Accepted = "accepted";

    /// <summary>A retry of a delivery already accepted: 202 with the first event id, event id 250 instead of 200.</summary>
    public const string DuplicateDelivery = "duplicate_delivery";

    public static readonly (string Name, int Status, string Reason)[] Table =
    [
        ("good HS256", 202, Accepted),
        ("good HS256 without kid", 202, Accepted),
        ("good HS256, lower-case bearer scheme", 202, Accepted),
        ("good RS256", 202, Accepted),
        ("good ES256", 202, Accepted),
        ("good token of exactly 8 KB", 202, Accepted),
        ("long-lived token, second use", 202, Accepted),
        ("alg none, no signature", 401, "alg_not_allowed"),
        ("alg None, no signature", 401, "alg_not_allowed"),
        ("alg NONE, no signature", 401, "alg_not_allowed"),
        ("alg nOnE, no signature", 401, "alg_not_allowed"),
        ("alg none, HMAC signature", 401, "alg_not_allowed"),
        ("alg None, HMAC signature", 401, "alg_not_allowed"),
        ("alg NONE, HMAC signature", 401, "alg_not_allowed"),
        ("alg nOnE, HMAC signature", 401, "alg_not_allowed"),
        ("alg none on the RSA integration", 401, "alg_not_allowed"),
        ("HS256 keyed with the RSA public key PEM", 401, "alg_not_allowed"),
        ("HS256 keyed with the RSA public key DER", 401, "alg_not_allowed"),
        ("RS256 claimed, HMAC signature keyed with the RSA PEM", 401, "bad_signature"),
        ("ES256 token on the RSA integration", 401, "alg_not_allowed"),
        ("wrong iss", 401, "invalid_issuer"),
        ("wrong aud", 401, "invalid_audience"),
        ("expired", 401, "token_expired"),
        ("expired ES256", 401, "token_expired"),
        ("nbf in future", 401, "token_not_yet_valid"),
        ("lifetime over cap", 401, "lifetime_exceeded"),
        ("missing exp", 401, "missing_claim"),
        ("missing jti", 401, "missing_jti"),
        ("replayed jti", 401, "replayed_jti"),
        ("replayed jti, RS256", 401, "replayed_jti"),
        ("insufficient scope", 403, "insufficient_scope"),
        ("tampered header", 401, "bad_signature"),
        ("tampered payload", 401, "bad_signature"),
        ("tampered signature", 401, "bad_signature"),
        ("tampered RS256 signature", 401, "bad_signature"),
        ("wrong secret", 401, "bad_signature"),
        ("ES256 signed with another key", 401, "bad_signature"),
        ("unknown kid", 401, "unknown_kid"),
        ("unknown kid, RS256", 401, "unknown_kid"),
        ("empty segments", 401, "malformed_token"),
        ("garbage", 401, "malformed_token"),
        ("garbage segments", 401, "malformed_token"),
        ("two segments", 401, "malformed_token"),
        ("four segments", 401, "malformed_token"),
        ("five segments", 401, "encrypted_token"),
        ("token over 8 KB", 401, "token_too_large"),
        ("token over 8 KB, unknown integration", 401, "token_too_large"),
        ("duplicate aud", 401, "duplicate_member"),
        ("duplicate exp", 401, "duplicate_member"),
        ("duplicate alg in the header", 401, "duplicate_member"),
        ("jku header", 401, "forbidden_header"),
        ("x5u header", 401, "forbidden_header"),
        ("jwk header", 401, "forbidden_header"),
        ("x5c header", 401, "forbidden_header"),
        ("unknown crit", 401, "unknown_crit"),
        ("no Authorization header", 401, "missing_token"),
        ("Basic scheme", 401, "missing_token"),
        ("Bearer without a token", 401, "missing_token"),
        ("unknown integration", 401, "unknown_integration"),
        ("OAuth app webhook: good", 202, Accepted),
        ("OAuth app webhook: no jti, same token twice", 202, Accepted),
        ("OAuth app webhook: wrong client secret", 401, "bad_signature"),
        ("OAuth app webhook: signed with another integration's secret", 401, "bad_signature"),
        ("OAuth app webhook: expired", 401, "token_expired"),
        ("OAuth app webhook: missing exp", 401, "missing_claim"),
        ("OAuth app webhook: alg none", 401, "alg_not_allowed"),
        ("OAuth app webhook: RS256 claimed, HMAC with the client secret", 401, "alg_not_allowed"),
        ("OAuth app webhook: HS512 with the client secret", 401, "alg_not_allowed"),
        ("OAuth app webhook: empty signature", 401, "bad_signature"),
        ("OAuth app webhook: no signature segment", 401, "malformed_token"),
        ("OAuth app webhook: tampered payload", 401, "bad_signature"),
        ("OAuth app webhook: jti replayed", 401, "replayed_jti"),
        ("OAuth app webhook: no Authorization header", 401, "missing_token"),

        // Jira webhooks signed with a secret (X-Hub-Signature over the raw body).
        ("good webhook signature", 202, Accepted),
        ("good webhook signature, previous secret version", 202, Accepted),
        ("webhook retry of an accepted delivery", 202, DuplicateDelivery),
        ("webhook delivery id reused with another body", 202, Accepted),
        ("webhook signed with the wrong secret", 401, "bad_signature"),
        ("webhook signed with another integration's secret", 401, "bad_signature"),
        ("webhook body changed by one byte", 401, "bad_signature"),
        ("webhook body with one byte appended", 401, "bad_signature"),
        ("webhook signature of an empty body", 401, "bad_signature"),
        ("webhook without a signature", 401, "missing_signature"),
        ("webhook with a bearer token instead of a signature", 401, "missing_signature"),
        ("webhook signature sha1=", 401, "signature_alg_not_allowed"),
        ("webhook signature without sha256= prefix", 401, "malformed_signature"),
        ("webhook signature not hex", 401, "malformed_signature"),
        ("webhook signature truncated", 401, "malformed_signature"),

        // Forge invocation tokens (RS256 from the loopback JWKS standing in for Forge's).
        ("good Forge token", 202, Accepted),
        ("Forge token of another app", 401, "invalid_audience"),
        ("Forge token, aud ours but app.id another app's", 401, "forge_app_mismatch"),
        ("Forge token without installation", 401, "missing_claim"),
        ("Forge token, wrong issuer", 401, "invalid_issuer"),
        ("Forge token expired", 401, "token_expired"),
        ("Forge token, HS256 keyed with the Forge public key", 401, "alg_not_allowed"),
        ("Forge token, alg none", 401, "alg_not_allowed"),
        ("Forge token signed by another key", 401, "bad_signature"),
        ("Forge token, tampered payload", 401, "bad_signature"),
        ("Forge token replayed", 401, "replayed_jti"),
        ("Forge token at the webhook integration", 401, "missing_signature"),

        // Access tokens of the app's token endpoint (ClientCredentials integrations cc and cc-other).
        ("client credentials: good access token", 202, Accepted),
        ("client credentials: access token replayed", 401, "replayed_jti"),
        ("client credentials: access token of another integration", 401, "invalid_audience"),
        ("client credentials: expired access token", 401, "token_expired"),
        ("client credentials: access token without the required scope", 403, "insufficient_scope"),
        ("client credentials: access token signed with another key", 401, "bad_signature"),
        ("client credentials: access token from another issuer", 401, "invalid_issuer"),
        ("client credentials: HS256 token", 401, "alg_not_allowed"),
        ("client credentials: shared-secret token at the access-token integration", 401, "alg_not_allowed"),

        // The token endpoint itself (POST /api/oauth/token, RFC 6749 client credentials): the client of cc
        // (cc-other's client for the failure limit), made with jiraauth client create.
        ("token endpoint: good request, Basic", 200, Accepted),
        ("token endpoint: good request, credentials in the body", 200, Accepted),
        ("token endpoint: good request, one allowed scope", 200, Accepted),
        ("token endpoint: wrong secret", 401, "bad_client_secret"),
        ("token endpoint: wrong secret in the body", 401, "bad_client_secret"),
        ("token endpoint: secret of another integration's client", 401, "bad_client_secret"),
        ("token endpoint: unknown client", 401, "unknown_client"),
        ("token endpoint: client id of the integration's shape, not its client", 401, "unknown_client"),
        ("token endpoint: no client credentials", 401, "unknown_client"),
        ("token endpoint: scope escalation", 400, "invalid_scope"),
        ("token endpoint: grant_type password", 400, "unsupported_grant_type"),
        ("token endpoint: no grant_type", 400, "invalid_token_request"),
        ("token endpoint: credentials in the Basic header and in the body", 400, "invalid_token_request"),
        ("token endpoint: grant_type twice", 400, "invalid_token_request"),
        ("token endpoint: body over 4 KB", 400, "invalid_token_request"),
        ("token endpoint: JSON body", 400, "invalid_token_request"),
        ("token endpoint: wrong secret after 5 failures within 5 minutes", 429, "client_rate_limited"),
        ("token endpoint: right secret after 5 failures within 5 minutes", 200, Accepted),

        // Atlassian Connect: requests from a tenant's Jira (POST /api/connect/conn/events/...).
        ("connect: good event", 202, Accepted),
        ("connect: good event, jwt in the query", 202, Accepted),
        ("connect: good event, lower-case jwt scheme", 202, Accepted),
        ("connect: context token on a browser route", 202, Accepted),
        ("connect: wrong secret", 401, "bad_signature"),
        ("connect: wrong tenant", 401, "unknown_tenant"),
        ("connect: uninstalled tenant", 401, "unknown_tenant"),
        ("connect: qsh of another request", 401, "qsh_mismatch"),
        ("connect: qsh of another method", 401, "qsh_mismatch"),
        ("connect: qsh of another query", 401, "qsh_mismatch"),
        ("connect: context token on a server route", 401, "context_qsh_not_allowed"),
        ("connect: missing qsh", 401, "missing_claim"),
        ("connect: missing iat", 401, "missing_claim"),
        ("connect: expired", 401, "token_expired"),
        ("connect: alg none", 401, "alg_not_allowed"),
        ("connect: RS256 from the install key", 401, "alg_not_allowed"),
        ("connect: HS256 keyed with the install key PEM", 401, "bad_signature"),
        ("connect: missing signature", 401, "bad_signature"),
        ("connect: changed payload", 401, "bad_signature"),
        ("connect: no token", 401, "missing_token"),
        ("connect: Bearer scheme", 401, "missing_token"),
        ("connect: bearer integration on the connect route", 401, "unknown_integration"),
        ("connect: connect integration on the jira route", 401, "unknown_integration"),
        ("connect: query names that need percent-encoding, qsh as Jira computes it", 202, Accepted),
        ("connect: query names that need percent-encoding, qsh over the decoded order", 401, "qsh_mismatch"),
        ("connect: query value that is not UTF-8, qsh as Jira computes it", 202, Accepted),

        // Atlassian Connect lifecycle calls (POST /api/connect/conn/installed, /uninstalled).
        ("connect install: signed install", 204, Accepted),
        ("connect uninstall: signed uninstall", 204, Accepted),
        ("connect install: unsigned", 401, "missing_token"),
        ("connect install: unknown kid", 401, "unknown_kid"),
        ("connect install: kid that is a URL", 401, "unknown_kid"),
        ("connect install: signed by another key", 401, "bad_signature"),
        ("connect install: HS256 keyed with the install key PEM, new tenant", 401, "shared_secret_lifecycle"),
        ("connect install: HS256 keyed with the install key PEM, installed tenant", 401, "shared_secret_lifecycle"),
        ("connect install: alg none", 401, "alg_not_allowed"),
        ("connect install: wrong aud", 401, "invalid_audience"),
        ("connect install: qsh of uninstalled", 401, "qsh_mismatch"),
        ("connect install: expired", 401, "token_expired"),
        ("connect install: changed token payload", 401, "bad_signature"),
        ("connect install: body names another clientKey", 401, "client_key_mismatch"),
        ("connect install: http baseUrl", 400, "invalid_lifecycle_payload"),
        ("connect install: no shared secret", 400, "invalid_lifecycle_payload"),
        ("connect install: reinstall signed with a wrong secret", 401, "shared_secret_lifecycle"),

        // A leaked shared secret must not take the tenant over: lifecycle calls are Atlassian's (RS256) only.
        ("connect install: reinstall signed with the current shared secret", 401, "shared_secret_lifecycle"),
        ("connect install: reinstall signed HS512 with the current shared secret", 401, "shared_secret_lifecycle"),
        ("connect uninstall: signed with the current shared secret", 401, "shared_secret_lifecycle"),

        // A signed lifecycle token is accepted once: its qsh covers the URL, not the body.
        ("connect install: signed install replayed with another shared secret", 401, "replayed_lifecycle_token"),
        ("connect install: signed install replayed with its own body", 401, "replayed_lifecycle_token"),
        ("connect uninstall: signed uninstall replayed", 401, "replayed_lifecycle_token"),

        // A key verifies with its one algorithm only (RFC 8725 3.1): PublicKeys and Jwks integrations
        // allowing RS256, PS256 and ES256 (mixed: ES384 too) with one key per algorithm.
        ("keys: good RS256", 202, Accepted),
        ("keys: good PS256", 202, Accepted),
        ("keys: good ES256, algorithm from the curve", 202, Accepted),
        ("keys: good PS256 without kid", 202, Accepted),
        ("keys: PS256 signed with the RS256 key", 401, "key_alg_mismatch"),
        ("keys: RS256 signed with the PS256 key", 401, "key_alg_mismatch"),
        ("keys: ES384 signed with the P-256 key", 401, "key_alg_mismatch"),
        ("keys: PS256 without kid, signed with the RS256 key", 401, "bad_signature"),
        ("keys: ES384 without kid, signed with the P-256 key", 401, "key_alg_mismatch"),
        ("JWKS: good RS256", 202, Accepted),
        ("JWKS: good PS256", 202, Accepted),
        ("JWKS: good ES256, algorithm from the curve", 202, Accepted),
        ("JWKS: PS256 signed with the RS256 key", 401, "key_alg_mismatch"),
        ("JWKS: RS256 signed with the PS256 key", 401, "key_alg_mismatch"),
        ("JWKS: RSA key that states no alg", 401, "unknown_kid"),
        ("JWKS: PS256 without kid, signed with the RS256 key", 401, "bad_signature"),

        // Strict compact serialization (RFC 7515 2, 7.1): unpadded base64url, nothing outside A-Z a-z 0-9 - _.
        ("padded signature", 401, "malformed_token"),
        ("padded payload, signed as sent", 401, "malformed_token"),
        ("padded header, signed as sent", 401, "malformed_token"),
        ("space inside the signature", 401, "malformed_token"),
        ("tab inside the signature", 401, "malformed_token"),
        ("space inside the payload, signed as sent", 401, "malformed_token"),
        ("tab inside the header, signed as sent", 401, "malformed_token"),
        ("signature of length 4n+1", 401, "malformed_token"),
        ("signature with non-zero trailing bits", 401, "malformed_token"),
        ("payload with non-zero trailing bits, signed as sent", 401, "malformed_token"),
        ("base64 '+' and '/' instead of base64url", 401, "malformed_token"),
        ("padded RS256 signature", 401, "malformed_token"),
        ("padded ES256 signature", 401, "malformed_token"),
        ("OAuth app webhook: padded signature", 401, "malformed_token"),
        ("Forge token, padded signature", 401, "malformed_token"),
        ("Forge token, space inside the signature", 401, "malformed_token"),
        ("connect: padded signature", 401, "malformed_token"),
        ("connect: tab inside the signature", 401, "malformed_token"),
        ("connect: space inside the jwt query parameter", 401, "malformed_token"),
        ("connect install: padded signature", 401, "malformed_token"),

        // Exact string claims (RFC 7519 4.1.3): no trailing-slash, case or whitespace leniency.
        ("aud with a trailing slash", 401, "invalid_audience"),
        ("aud array, the audience with a trailing slash", 401, "invalid_audience"),
        ("aud in upper case", 401, "invalid_audience"),
        ("aud with a trailing space", 401, "invalid_audience"),
        ("iss with a trailing slash", 401, "invalid_issuer"),
        ("iss in upper case", 401, "invalid_issuer"),
        ("RS256, aud with a trailing slash", 401, "invalid_audience"),
        ("Forge token, aud with a trailing slash", 401, "invalid_audience"),
        ("connect install: aud with a trailing slash", 401, "invalid_audience"),
    ];

    public static IEnumerable<object[]> Rows => Table.Select(row => new object[] { row.Name, row.Status, row.Reason });

    public static Attempt Build(AttackApp f, string name)
    {
        var attempt = BuildRequest(f, name);

        // Said once here for every row of its kind; the token endpoint's rows say it on their own.
        return attempt.NotCheckable is not null ? attempt
            : attempt.SendTwice || attempt.Before is not null ? attempt with { NotCheckable = "its outcome depends on a request the app saw first (a replay, a retry, a used lifecycle token)" }
            : attempt.Path is { } path && (path.EndsWith("/installed", StringComparison.Ordinal) || path.EndsWith("/uninstalled", StringComparison.Ordinal))
                ? attempt with { NotCheckable = "a Connect lifecycle call: another endpoint, which changes tenants rather than checking a request" }
            : attempt;
    }

    private static Attempt BuildRequest(AttackApp f, string name)
    {
        var now = f.Now;
        var pem = AttackApp.Rsa.ExportSubjectPublicKeyInfoPem();
        return name switch
        {
            "good HS256" => Hs(f.Hs()),
            "good HS256 without kid" => Hs(f.Hs(header: TestTokens.Header("HS256"))),
            "good HS256, lower-case bearer scheme" => new Attempt("hs", "bearer " + f.Hs()),
            "good RS256" => new Attempt("rsa", Http.Bearer(f.Rs())),
            "good ES256" => new Attempt("ec", Http.Bearer(f.Es())),
            "good token of exactly 8 KB" => Hs(Padded(f, 8 * 1024)),
            "long-lived token, second use" => new Attempt(AttackApp.Rule, Http.Bearer(f.RuleToken(Guid.NewGuid().ToString("N"))), SendTwice: true),
            "alg none, no signature" => Hs(None(f, "none", signed: false)),
            "alg None, no signature" => Hs(None(f, "None", signed: false)),
            "alg NONE, no signature" => Hs(None(f, "NONE", signed: false)),
            "alg nOnE, no signature" => Hs(None(f, "nOnE", signed: false)),
            "alg none, HMAC signature" => Hs(None(f, "none", signed: true)),
            "alg None, HMAC signature" => Hs(None(f, "None", signed: true)),
            "alg NONE, HMAC signature" => Hs(None(f, "NONE", signed: true)),
            "alg nOnE, HMAC signature" => Hs(None(f, "nOnE", signed: true)),
            "alg none on the RSA integration" => new Attempt("rsa", Http.Bearer(TestTokens.Create(TestTokens.Header("none", AttackApp.RsaKid), f.Claims(), sign: null))),
            "HS256 keyed with the RSA public key PEM" => new Attempt("rsa", Http.Bearer(TestTokens.Create(TestTokens.Header("HS256", AttackApp.RsaKid), f.Claims(),
                input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(pem), input)))),
            "HS256 keyed with the RSA public key DER" => new Attempt("rsa", Http.Bearer(TestTokens.Create(TestTokens.Header("HS256", AttackApp.RsaKid), f.Claims(),
                input => HMACSHA256.HashData(AttackApp.Rsa.ExportSubjectPublicKeyInfo(), input)))),
            "RS256 claimed, HMAC signature keyed with the RSA PEM" => new Attempt("rsa", Http.Bearer(TestTokens.Create(TestTokens.Header("RS256", AttackApp.RsaKid), f.Claims(),
                input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(pem), input)))),
            "ES256 token on the RSA integration" => new Attempt("rsa", Http.Bearer(f.Es())),
            "client credentials: good access token" => Cc(f.AccessToken()),
            "client credentials: access token replayed" => Cc(f.AccessToken()) with { SendTwice = true },
            "client credentials: access token of another integration" => Cc(f.AccessToken(f.AccessClaims(AttackApp.OtherCc))),
            "client credentials: expired access token" => Cc(f.AccessToken(f.AccessClaims(change: c =>
            {
                c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
                c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
            }))),
            "client credentials: access token without the required scope" => Cc(f.AccessToken(f.AccessClaims(change: c => c["scope"] = "events:read"))),
            "client credentials: access token signed with another key" => Cc(f.AccessToken(key: AttackApp.OtherEc)),
            "client credentials: access token from another issuer" => Cc(f.AccessToken(f.AccessClaims(change: c => c["iss"] = TestTokens.Issuer))),
            "client credentials: HS256 token" => Cc(TestTokens.Create(TestTokens.Header("HS256", f.OwnKey.Kid), f.AccessClaims(), TestTokens.Hmac(AttackApp.Secret))),
            "client credentials: shared-secret token at the access-token integration" => Cc(f.Hs()),
            "wrong iss" => Hs(f.Hs(f.Claims(c => c["iss"] = "someone-else"))),
            "wrong aud" => Hs(f.Hs(f.Claims(c => c["aud"] = "another-api"))),
            "expired" => Hs(f.Hs(f.ExpiredClaims())),
            "expired ES256" => new Attempt("ec", Http.Bearer(f.Es(f.ExpiredClaims()))),
            "nbf in future" => Hs(f.Hs(f.Claims(c => { c["nbf"] = (now + TimeSpan.FromMinutes(2)).ToUnixTimeSeconds(); c["exp"] = (now + TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); }))),
            "lifetime over cap" => Hs(f.Hs(f.Claims(c => c["exp"] = (now + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1)).ToUnixTimeSeconds()))),
            "missing exp" => Hs(f.Hs(f.Claims(c => c.Remove("exp")))),
            "missing jti" => Hs(f.Hs(f.Claims(c => c.Remove("jti")))),
            "replayed jti" => new Attempt("hs", Http.Bearer(f.Hs()), SendTwice: true),
            "replayed jti, RS256" => new Attempt("rsa", Http.Bearer(f.Rs()), SendTwice: true),
            "insufficient scope" => Hs(f.Hs(f.Claims(c => c["scope"] = "events:read"))),
            "tampered header" => Hs(TamperedHeader(f)),
            "tampered payload" => Hs(TamperedPayload(f)),
            "tampered signature" => Hs(TamperSignature(f.Hs())),
            "tampered RS256 signature" => new Attempt("rsa", Http.Bearer(TamperSignature(f.Rs()))),
            "wrong secret" => Hs(TestTokens.Create(f.HsHeader(), f.Claims(), TestTokens.Hmac("another-secret-of-about-the-same-length-0000"))),
            "ES256 signed with another key" => new Attempt("ec", Http.Bearer(f.Es(key: AttackApp.OtherEc))),
            "unknown kid" => Hs(f.Hs(header: TestTokens.Header("HS256", "no-such-version"))),
            "unknown kid, RS256" => new Attempt("rsa", Http.Bearer(TestTokens.Create(TestTokens.Header("RS256", "rsa-2"), f.Claims(), TestTokens.Rsa(AttackApp.Rsa)))),
            "empty segments" => Hs(".."),
            "garbage" => Hs("this-is-not-a-token"),
            "garbage segments" => Hs("%%%.&&&.!!!"),
            "two segments" => Hs(WithoutSignature(f.Hs())),
            "four segments" => Hs(f.Hs() + ".c2lnbmF0dXJl"),
            "five segments" => Hs(f.Hs() + ".AAAA.BBBB"),
            "token over 8 KB" => Hs(Padded(f, 8 * 1024 + 1)),
            "token over 8 KB, unknown integration" => new Attempt("no-such-integration", Http.Bearer(Padded(f, 8 * 1024 + 1))),
            "duplicate aud" => Hs(TestTokens.FromJson(TestTokens.Json(f.HsHeader()), TestTokens.Json(f.Claims())[..^1] + ",\"aud\":\"another-api\"}", TestTokens.Hmac(AttackApp.Secret))),
            "duplicate exp" => Hs(TestTokens.FromJson(TestTokens.Json(f.HsHeader()), TestTokens.Json(f.Claims())[..^1] + $",\"exp\":{(now + TimeSpan.FromDays(365)).ToUnixTimeSeconds()}}}", TestTokens.Hmac(AttackApp.Secret))),
            "duplicate alg in the header" => Hs(TestTokens.FromJson($"{{\"alg\":\"HS256\",\"kid\":\"{f.Kid}\",\"alg\":\"none\"}}", TestTokens.Json(f.Claims()), TestTokens.Hmac(AttackApp.Secret))),
            "jku header" => Hs(f.Hs(header: HeaderWith(f, "jku", "https://attacker.example/jwks.json"))),
            "x5u header" => Hs(f.Hs(header: HeaderWith(f, "x5u", "https://attacker.example/cert.pem"))),
            "jwk header" => Hs(f.Hs(header: HeaderWith(f, "jwk", new Dictionary<string, string> { ["kty"] = "oct", ["k"] = "c2VjcmV0" }))),
            "x5c header" => Hs(f.Hs(header: HeaderWith(f, "x5c", new[] { Convert.ToBase64String(AttackApp.Rsa.ExportSubjectPublicKeyInfo()) }))),
            "unknown crit" => Hs(f.Hs(header: HeaderWith(f, "crit", new[] { "urn:example:unknown" }))),
            "no Authorization header" => new Attempt("hs", null),
            "Basic scheme" => new Attempt("hs", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("jira:" + AttackApp.Secret))),
            "Bearer without a token" => new Attempt("hs", "Bearer"),
            "unknown integration" => new Attempt("no-such-integration", Http.Bearer(f.Hs())),
            "OAuth app webhook: good" => App(f.Webhook()),
            "OAuth app webhook: no jti, same token twice" => new Attempt(AttackApp.OAuthApp, Http.Bearer(f.Webhook()), SendTwice: true),
            "OAuth app webhook: wrong client secret" => App(f.Webhook(secret: "another-oauth-client-secret-ATATT3xFfGF0-000000")),
            "OAuth app webhook: signed with another integration's secret" => App(f.Webhook(secret: AttackApp.Secret)),
            "OAuth app webhook: expired" => App(f.Webhook(f.WebhookClaims(c => { c["iat"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds(); }))),
            "OAuth app webhook: missing exp" => App(f.Webhook(f.WebhookClaims(c => c.Remove("exp")))),
            "OAuth app webhook: alg none" => App(TestTokens.Create(TestTokens.Header("none"), f.WebhookClaims(), sign: null)),
            "OAuth app webhook: RS256 claimed, HMAC with the client secret" => App(TestTokens.Create(TestTokens.Header("RS256"), f.WebhookClaims(), TestTokens.Hmac(AttackApp.ClientSecret))),
            "OAuth app webhook: HS512 with the client secret" => App(f.Webhook(alg: "HS512")),
            "OAuth app webhook: empty signature" => App(WithoutSignature(f.Webhook()) + "."),
            "OAuth app webhook: no signature segment" => App(WithoutSignature(f.Webhook())),
            "OAuth app webhook: tampered payload" => App(TamperedWebhookPayload(f)),
            "OAuth app webhook: jti replayed" => new Attempt(AttackApp.OAuthApp, Http.Bearer(f.Webhook(f.WebhookClaims(c => c["jti"] = Guid.NewGuid().ToString("N")))), SendTwice: true),
            "OAuth app webhook: no Authorization header" => new Attempt(AttackApp.OAuthApp, null),
            "good webhook signature" => Hook(AttackApp.HubSignature(Http.WebhookEvent)),
            "good webhook signature, previous secret version" => Hook(AttackApp.HubSignature(Http.WebhookEvent, AttackApp.PreviousHookSecret)),
            "webhook retry of an accepted delivery" => Hook(AttackApp.HubSignature(Http.WebhookEvent)) with { SendTwice = true },
            "webhook delivery id reused with another body" => ReusedDeliveryId(f),
            "webhook signed with the wrong secret" => Hook(AttackApp.HubSignature(Http.WebhookEvent, "another-secret-of-about-the-same-length-0000")),
            "webhook signed with another integration's secret" => Hook(AttackApp.HubSignature(Http.WebhookEvent, AttackApp.Secret)),
            "webhook body changed by one byte" => Hook(AttackApp.HubSignature(Http.WebhookEvent)) with { Body = Http.WebhookEvent.Replace("OPS-1", "OPS-2", StringComparison.Ordinal) },
            "webhook body with one byte appended" => Hook(AttackApp.HubSignature(Http.WebhookEvent)) with { Body = Http.WebhookEvent + " " },
            "webhook signature of an empty body" => Hook(AttackApp.HubSignature("")),
            "webhook without a signature" => Hook(null),
            "webhook with a bearer token instead of a signature" => Hook(null) with { Authorization = Http.Bearer(f.Hs()) },
            "webhook signature sha1=" => Hook("sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(AttackApp.HookSecret), Encoding.UTF8.GetBytes(Http.WebhookEvent)))),
            "webhook signature without sha256= prefix" => Hook(AttackApp.HubSignature(Http.WebhookEvent)["sha256=".Length..]),
            "webhook signature not hex" => Hook("sha256=" + new string('z', 64)),
            "webhook signature truncated" => Hook(AttackApp.HubSignature(Http.WebhookEvent)[..^2]),
            "good Forge token" => Fit(f.Fit()),
            "Forge token of another app" => Fit(f.Fit(ForgeTokens.Claims(now, ForgeTokens.OtherAppId))),
            "Forge token, aud ours but app.id another app's" => Fit(f.Fit(f.ForgeClaims(c => c["app"] = ForgeTokens.App(ForgeTokens.OtherAppId)))),
            "Forge token without installation" => Fit(f.Fit(f.ForgeClaims(c => ((Dictionary<string, object?>)c["app"]!).Remove("installationId")))),
            "Forge token, wrong issuer" => Fit(f.Fit(f.ForgeClaims(c => c["iss"] = "forge/other-token"))),
            "Forge token expired" => Fit(f.Fit(f.ForgeClaims(c =>
            {
                c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
                c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
            }))),
            "Forge token, HS256 keyed with the Forge public key" => Fit(TestTokens.Create(TestTokens.Header("HS256", AttackApp.ForgeKid), f.ForgeClaims(),
                TestTokens.Hmac(AttackApp.ForgeRsa.ExportSubjectPublicKeyInfoPem()))),
            "Forge token, alg none" => Fit(TestTokens.Create(TestTokens.Header("none", AttackApp.ForgeKid), f.ForgeClaims(), sign: null)),
            "Forge token signed by another key" => Fit(f.Fit(key: AttackApp.Rsa)),
            "Forge token, tampered payload" => Fit(TamperedForgePayload(f)),
            "Forge token replayed" => Fit(f.Fit()) with { SendTwice = true },
            "Forge token at the webhook integration" => new Attempt(AttackApp.Hooks, Http.Bearer(f.Fit())),
            "keys: good RS256" => Mixed(f.Rs()),
            "keys: good PS256" => Mixed(Sign("PS256", AttackApp.PsKid, f.Claims(), TestTokens.Rsa(AttackApp.PsRsa, "PS256"))),
            "keys: good ES256, algorithm from the curve" => Mixed(f.Es()),
            "keys: good PS256 without kid" => Mixed(Sign("PS256", null, f.Claims(), TestTokens.Rsa(AttackApp.PsRsa, "PS256"))),
            "keys: PS256 signed with the RS256 key" => Mixed(Sign("PS256", AttackApp.RsaKid, f.Claims(), TestTokens.Rsa(AttackApp.Rsa, "PS256"))),
            "keys: RS256 signed with the PS256 key" => Mixed(Sign("RS256", AttackApp.PsKid, f.Claims(), TestTokens.Rsa(AttackApp.PsRsa))),
            "keys: ES384 signed with the P-256 key" => Mixed(Sign("ES384", AttackApp.EcKid, f.Claims(), TestTokens.Ecdsa(AttackApp.Ec, "ES384"))),
            "keys: PS256 without kid, signed with the RS256 key" => Mixed(Sign("PS256", null, f.Claims(), TestTokens.Rsa(AttackApp.Rsa, "PS256"))),
            "keys: ES384 without kid, signed with the P-256 key" => Mixed(Sign("ES384", null, f.Claims(), TestTokens.Ecdsa(AttackApp.Ec, "ES384"))),
            "JWKS: good RS256" => Jwks(Sign("RS256", "j-rs", f.Claims(), TestTokens.Rsa(AttackApp.JwksRs))),
            "JWKS: good PS256" => Jwks(Sign("PS256", "j-ps", f.Claims(), TestTokens.Rsa(AttackApp.JwksPs, "PS256"))),
            "JWKS: good ES256, algorithm from the curve" => Jwks(Sign("ES256", "j-ec", f.Claims(), TestTokens.Ecdsa(AttackApp.JwksEc))),
            "JWKS: PS256 signed with the RS256 key" => Jwks(Sign("PS256", "j-rs", f.Claims(), TestTokens.Rsa(AttackApp.JwksRs, "PS256"))),
            "JWKS: RS256 signed with the PS256 key" => Jwks(Sign("RS256", "j-ps", f.Claims(), TestTokens.Rsa(AttackApp.JwksPs))),
            "JWKS: RSA key that states no alg" => Jwks(Sign("RS256", "j-noalg", f.Claims(), TestTokens.Rsa(AttackApp.JwksNoAlg))),
            "JWKS: PS256 without kid, signed with the RS256 key" => Jwks(Sign("PS256", null, f.Claims(), TestTokens.Rsa(AttackApp.JwksRs, "PS256"))),
            "padded signature" => Hs(PadSignature(f.Hs())),
            "padded payload, signed as sent" => Hs(SignedAsSent(TestTokens.Json(f.HsHeader()), PaddedJson(f.Claims()), Pad, TestTokens.Hmac(AttackApp.Secret))),
            "padded header, signed as sent" => Hs(SignedAsSent(PaddedJson(f.HsHeader()), TestTokens.Json(f.Claims()), Pad, TestTokens.Hmac(AttackApp.Secret), header: true)),
            "space inside the signature" => Hs(InsertInSignature(f.Hs(), " ")),
            "tab inside the signature" => Hs(InsertInSignature(f.Hs(), "\t")),
            "space inside the payload, signed as sent" => Hs(SignedAsSent(TestTokens.Json(f.HsHeader()), TestTokens.Json(f.Claims()), s => Insert(s, 8, " "), TestTokens.Hmac(AttackApp.Secret))),
            "tab inside the header, signed as sent" => Hs(SignedAsSent(TestTokens.Json(f.HsHeader()), TestTokens.Json(f.Claims()), s => Insert(s, 8, "\t"), TestTokens.Hmac(AttackApp.Secret), header: true)),
            "signature of length 4n+1" => Hs(SignatureOfLength4nPlus1(f.Hs())),
            "signature with non-zero trailing bits" => Hs(NonCanonicalSignature(f.Hs())),
            "payload with non-zero trailing bits, signed as sent" => Hs(SignedAsSent(TestTokens.Json(f.HsHeader()), PaddedJson(f.Claims()), NonCanonicalEnd, TestTokens.Hmac(AttackApp.Secret))),
            "base64 '+' and '/' instead of base64url" => Hs(StandardBase64Signature(f)),
            "padded RS256 signature" => new Attempt("rsa", Http.Bearer(PadSignature(f.Rs()))),
            "padded ES256 signature" => new Attempt("ec", Http.Bearer(PadSignature(f.Es()))),
            "OAuth app webhook: padded signature" => App(PadSignature(f.Webhook())),
            "Forge token, padded signature" => Fit(PadSignature(f.Fit())),
            "Forge token, space inside the signature" => Fit(InsertInSignature(f.Fit(), " ")),
            "aud with a trailing slash" => Hs(f.Hs(f.Claims(c => c["aud"] = TestTokens.Audience + "/"))),
            "aud array, the audience with a trailing slash" => Hs(f.Hs(f.Claims(c => c["aud"] = new[] { "another-api", TestTokens.Audience + "/" }))),
            "aud in upper case" => Hs(f.Hs(f.Claims(c => c["aud"] = TestTokens.Audience.ToUpperInvariant()))),
            "aud with a trailing space" => Hs(f.Hs(f.Claims(c => c["aud"] = TestTokens.Audience + " "))),
            "iss with a trailing slash" => Hs(f.Hs(f.Claims(c => c["iss"] = TestTokens.Issuer + "/"))),
            "iss in upper case" => Hs(f.Hs(f.Claims(c => c["iss"] = TestTokens.Issuer.ToUpperInvariant()))),
            "RS256, aud with a trailing slash" => new Attempt("rsa", Http.Bearer(f.Rs(f.Claims(c => c["aud"] = TestTokens.Audience + "/")))),
            "Forge token, aud with a trailing slash" => Fit(f.Fit(f.ForgeClaims(c => c["aud"] = ForgeTokens.AppId + "/"))),
            _ when name.StartsWith("connect", StringComparison.Ordinal) => ConnectAttack(f, name),
            _ when name.StartsWith("token endpoint", StringComparison.Ordinal) => TokenEndpointAttack(f, name),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such case."),
        };
    }

    private const string TenantA = "jira:tenant-a";

    /// <summary>An installed tenant whose current secret signs the refused shared-secret lifecycle rows.</summary>
    private const string ReTenant = "jira:tenant-re";

    private const string EncodedNamesPath = ConnectCalls.AppPath + "/events/issue-created?filter%5Bstatus%5D=open&filter=x&filterZ=1&%C3%A9t%C3%A9=1&z=2";

    private static Attempt ConnectAttack(AttackApp f, string name)
    {
        var now = f.Now;
        var secret = f.Tenants[TenantA];
        var qsh = ConnectCalls.Qsh(ConnectCalls.EventCanonical);
        var pem = f.InstallKey.ExportSubjectPublicKeyInfoPem();
        Attempt Event(string token, string path = ConnectCalls.EventPath) => new(ConnectCalls.App, "JWT " + f.Connect(token), Path: path);
        Dictionary<string, object?> Claims(Action<Dictionary<string, object?>>? change = null)
        {
            var claims = ConnectCalls.Claims(now, TenantA, qsh);
            change?.Invoke(claims);
            return claims;
        }

        string Good(Dictionary<string, object?>? claims = null) => ConnectCalls.Hs(claims ?? Claims(), secret);
        Attempt Lifecycle(string token, string clientKey, string? sharedSecret, string lifecycle = "installed", string? body = null) =>
            new(ConnectCalls.App, token.Length == 0 ? null : "JWT " + f.Connect(token), Path: $"{ConnectCalls.AppPath}/{lifecycle}")
            {
                Body = body ?? ConnectCalls.Payload(clientKey, sharedSecret is null ? null : f.ConnectSecret(sharedSecret), lifecycle),
            };
        string Signed(string clientKey, string lifecycle = "installed", Action<Dictionary<string, object?>>? change = null, RSA? key = null, string kid = AttackApp.InstallKid)
        {
            var claims = ConnectCalls.LifecycleClaims(now, clientKey, lifecycle);
            change?.Invoke(claims);
            return ConnectCalls.Rs(claims, key ?? f.InstallKey, kid);
        }

        string PemHs(string clientKey) =>
            TestTokens.Create(new Dictionary<string, object?> { ["typ"] = "JWT", ["alg"] = "HS256", ["kid"] = AttackApp.InstallKid }, ConnectCalls.LifecycleClaims(now, clientKey, "installed"),
                input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(pem), input));

        var newTenant = "jira:new-" + Guid.NewGuid().ToString("N");
        switch (name)
        {
            case "connect: good event":
                return Event(Good());
            case "connect: good event, jwt in the query":
                // Its own subject: a token equal to another row's would be found in the URL's request log under that row's name.
                var inUrl = f.Connect(Good(Claims(c => c["sub"] = "557058:in-query")), inUrl: true);
                return new Attempt(ConnectCalls.App, null, Path: ConnectCalls.EventPath + "&jwt=" + inUrl);
            case "connect: good event, lower-case jwt scheme":
                return new Attempt(ConnectCalls.App, "jwt " + f.Connect(Good()), Path: ConnectCalls.EventPath);
            case "connect: context token on a browser route":
                return Event(Good(Claims(c => c["qsh"] = "context-qsh")), ConnectCalls.PanelPath);
            case "connect: wrong secret":
                return Event(ConnectCalls.Hs(Claims(), ConnectCalls.NewSecret()));
            case "connect: wrong tenant":
                return Event(ConnectCalls.Hs(Claims(c => c["iss"] = "jira:never-installed"), secret));
            case "connect: uninstalled tenant":
                return Event(ConnectCalls.Hs(Claims(c => c["iss"] = AttackApp.GoneTenant), f.GoneSecret));
            case "connect: qsh of another request":
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("POST&/events/issue-deleted&issue_key=OPS-1&user_id=5b10a"))));
            case "connect: qsh of another method":
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("GET&/events/issue-created&issue_key=OPS-1&user_id=5b10a"))));
            case "connect: qsh of another query":
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("POST&/events/issue-created&issue_key=OPS-2&user_id=5b10a"))));
            case "connect: context token on a server route":
                return Event(Good(Claims(c => c["qsh"] = "context-qsh")));
            case "connect: missing qsh":
                return Event(Good(Claims(c => c.Remove("qsh"))));
            case "connect: missing iat":
                return Event(Good(Claims(c => c.Remove("iat"))));
            case "connect: expired":
                return Event(Good(Claims(c =>
                {
                    c["iat"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
                    c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
                })));
            case "connect: alg none":
                return Event(ConnectCalls.Hs(Claims(), secret, alg: "none"));
            case "connect: RS256 from the install key":
                return Event(ConnectCalls.Rs(Claims(), f.InstallKey, AttackApp.InstallKid));
            case "connect: HS256 keyed with the install key PEM":
                return Event(TestTokens.Create(new Dictionary<string, object?> { ["typ"] = "JWT", ["alg"] = "HS256" }, Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(pem), input)));
            case "connect: missing signature":
                return Event(WithoutSignature(Good()) + ".");
            case "connect: changed payload":
                var token = Good(Claims(c => c["sub"] = "aaaaaaaaaaaa"));
                return Event(FlipAt(token, token.IndexOf("YWFh", token.IndexOf('.'), StringComparison.Ordinal)));
            case "connect: padded signature":
                return Event(PadSignature(Good()));
            case "connect: tab inside the signature":
                return Event(InsertInSignature(Good(), "\t"));
            case "connect: space inside the jwt query parameter":
                var spaced = f.Connect(InsertInSignature(Good(Claims(c => c["sub"] = "557058:spaced-in-query")), " "), inUrl: true);
                return new Attempt(ConnectCalls.App, null, Path: ConnectCalls.EventPath + "&jwt=" + Uri.EscapeDataString(spaced));
            case "connect install: padded signature":
                return Lifecycle(PadSignature(Signed(newTenant)), newTenant, ConnectCalls.NewSecret());
            case "connect install: aud with a trailing slash":
                return Lifecycle(Signed(newTenant, change: c => c["aud"] = new[] { ConnectCalls.BaseUrl + "/" }), newTenant, ConnectCalls.NewSecret());
            case "connect: no token":
                return new Attempt(ConnectCalls.App, null, Path: ConnectCalls.EventPath);
            case "connect: Bearer scheme":
                return new Attempt(ConnectCalls.App, Http.Bearer(f.Connect(Good())), Path: ConnectCalls.EventPath);
            case "connect: bearer integration on the connect route":
                return new Attempt("hs", Http.Bearer(f.Hs()), Path: "/api/connect/hs/events/issue-created");
            case "connect: connect integration on the jira route":
                return new Attempt(ConnectCalls.App, "JWT " + f.Connect(Good()), Path: "/api/jira/events/" + ConnectCalls.App);
            case "connect: query names that need percent-encoding, qsh as Jira computes it":
                // Atlassian's Java canonicaliser (what Jira runs) sorts by the percent-encoded names.
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("POST&/events/issue-created&%C3%A9t%C3%A9=1&filter=x&filter%5Bstatus%5D=open&filterZ=1&z=2"))), EncodedNamesPath);
            case "connect: query names that need percent-encoding, qsh over the decoded order":
                // The order of the decoded names (Node's atlassian-jwt): "filterZ" < "filter[status]" < "z" < "été".
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("POST&/events/issue-created&filter=x&filterZ=1&filter%5Bstatus%5D=open&z=2&%C3%A9t%C3%A9=1"))), EncodedNamesPath);
            case "connect: query value that is not UTF-8, qsh as Jira computes it":
                // Java's URLDecoder (and Node's querystring) read the byte 0xFF as U+FFFD.
                return Event(Good(Claims(c => c["qsh"] = ConnectCalls.Qsh("POST&/events/issue-created&k=%EF%BF%BD"))), ConnectCalls.AppPath + "/events/issue-created?k=%FF");

            case "connect install: signed install":
                return Lifecycle(f.Connect(Signed(newTenant)), newTenant, ConnectCalls.NewSecret());
            case "connect install: reinstall signed with the current shared secret":
                return Lifecycle(ConnectCalls.Hs(ConnectCalls.Claims(now, ReTenant, ConnectCalls.Qsh("POST&/installed&")), f.Tenants[ReTenant]), ReTenant, ConnectCalls.NewSecret());
            case "connect install: reinstall signed HS512 with the current shared secret":
                return Lifecycle(ConnectCalls.Hs(ConnectCalls.Claims(now, ReTenant, ConnectCalls.Qsh("POST&/installed&")), f.Tenants[ReTenant], alg: "HS512"), ReTenant, ConnectCalls.NewSecret());
            case "connect uninstall: signed with the current shared secret":
                return Lifecycle(ConnectCalls.Hs(ConnectCalls.Claims(now, ReTenant, ConnectCalls.Qsh("POST&/uninstalled&")), f.Tenants[ReTenant]), ReTenant, null, "uninstalled");
            case "connect install: signed install replayed with another shared secret":
                var captured = Signed(newTenant);
                return Lifecycle(captured, newTenant, ConnectCalls.NewSecret()) with { Before = Lifecycle(captured, newTenant, ConnectCalls.NewSecret()) };
            case "connect install: signed install replayed with its own body":
                return Lifecycle(Signed(newTenant), newTenant, ConnectCalls.NewSecret()) with { SendTwice = true };
            case "connect uninstall: signed uninstall replayed":
                return Lifecycle(Signed(newTenant, "uninstalled"), newTenant, null, "uninstalled") with { SendTwice = true };
            case "connect uninstall: signed uninstall":
                return Lifecycle(Signed("jira:tenant-off", "uninstalled"), "jira:tenant-off", null, "uninstalled");
            case "connect install: unsigned":
                return Lifecycle("", newTenant, ConnectCalls.NewSecret());
            case "connect install: unknown kid":
                f.Time.Advance(JiraAuthFunctions.Schemes.Connect.InstallKeys.MinFetchInterval); // the one fetch of an unknown kid per interval is this one
                return Lifecycle(Signed(newTenant, kid: "no-such-install-kid"), newTenant, ConnectCalls.NewSecret());
            case "connect install: kid that is a URL":
                return Lifecycle(Signed(newTenant, kid: "https://attacker.example/key.pem"), newTenant, ConnectCalls.NewSecret());
            case "connect install: signed by another key":
                return Lifecycle(Signed(newTenant, key: AttackApp.Rsa), newTenant, ConnectCalls.NewSecret());
            case "connect install: HS256 keyed with the install key PEM, new tenant":
                return Lifecycle(PemHs(newTenant), newTenant, ConnectCalls.NewSecret());
            case "connect install: HS256 keyed with the install key PEM, installed tenant":
                return Lifecycle(PemHs(TenantA), TenantA, ConnectCalls.NewSecret());
            case "connect install: alg none":
                return Lifecycle(ConnectCalls.Hs(ConnectCalls.LifecycleClaims(now, newTenant, "installed"), "", alg: "none"), newTenant, ConnectCalls.NewSecret());
            case "connect install: wrong aud":
                return Lifecycle(Signed(newTenant, change: c => c["aud"] = new[] { "https://another-app.example/api/connect/conn" }), newTenant, ConnectCalls.NewSecret());
            case "connect install: qsh of uninstalled":
                return Lifecycle(Signed(newTenant, "uninstalled"), newTenant, ConnectCalls.NewSecret());
            case "connect install: expired":
                return Lifecycle(Signed(newTenant, change: c =>
                {
                    c["iat"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
                    c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
                }), newTenant, ConnectCalls.NewSecret());
            case "connect install: changed token payload":
                var signed = Signed(newTenant, change: c => c["sub"] = "aaaaaaaaaaaa");
                return Lifecycle(FlipAt(signed, signed.IndexOf("YWFh", signed.IndexOf('.'), StringComparison.Ordinal)), newTenant, ConnectCalls.NewSecret());
            case "connect install: body names another clientKey":
                return Lifecycle(Signed(newTenant), TenantA, ConnectCalls.NewSecret());
            case "connect install: http baseUrl":
                return Lifecycle(Signed(newTenant), newTenant, null, body: ConnectCalls.Payload(newTenant, f.ConnectSecret(ConnectCalls.NewSecret()), "installed", site: "http://tenant-site.atlassian.net"));
            case "connect install: no shared secret":
                return Lifecycle(Signed(newTenant), newTenant, null);
            case "connect install: reinstall signed with a wrong secret":
                return Lifecycle(ConnectCalls.Hs(ConnectCalls.Claims(now, TenantA, ConnectCalls.Qsh("POST&/installed&")), ConnectCalls.NewSecret()), TenantA, ConnectCalls.NewSecret());
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "No such case.");
        }
    }

    /// <summary>Sends the attempt; with <see cref="Attempt.SendTwice"/> the first reply must be a 202. All replies, the outcome last.</summary>
    public static async Task<IReadOnlyList<Reply>> SendAsync(AttackApp f, Attempt attempt)
    {
        var replies = new List<Reply>();
        foreach (var refused in attempt.RefusedBefore)
        {
            var reply = await SendOneAsync(f, refused);
            Assert.True(reply.Status >= 400, $"Expected the request sent first to be refused, got {reply.Status}: {reply.Body}");
            replies.Add(reply);
        }

        foreach (var first in new[] { attempt.Before, attempt.SendTwice ? attempt : null })
        {
            if (first is not null)
            {
                var reply = await SendOneAsync(f, first);
                AssertFirstAccepted(f, first, reply);
                replies.Add(reply);
            }
        }

        replies.Add(await SendOneAsync(f, attempt));
        return replies;
    }

    private static async Task<Reply> SendOneAsync(AttackApp f, Attempt attempt) =>
        attempt.IsTokenRequest ? await PostTokenRequestAsync(f, attempt)
        : attempt.Path is null ? await f.App.PostEventAsync(attempt.Integration, attempt.Authorization, attempt.Body, headers: attempt.Headers)
        : await ConnectCalls.PostAsync(f.App.Client, attempt.Path, attempt.Authorization, attempt.Body, Guid.NewGuid().ToString("N"));

    // A lifecycle call is accepted with 204 and no body, an event with 202.
    private static void AssertFirstAccepted(AttackApp f, Attempt attempt, Reply reply)
    {
        if (attempt.Path is { } path && (path.EndsWith("/installed", StringComparison.Ordinal) || path.EndsWith("/uninstalled", StringComparison.Ordinal)))
        {
            Assert.True(reply.Status == 204, $"Expected the first lifecycle call to be accepted, got {reply.Status}: {reply.Body}");
        }
        else
        {
            Outcome.AssertAccepted(f.App, reply, attempt.Integration);
        }
    }

    public static void AssertOutcome(AttackApp f, Attempt attempt, Reply reply, int status, string reason)
    {
        if (attempt.IsTokenRequest)
        {
            AssertTokenOutcome(f, attempt, reply, status, reason);
        }
        else if (reason == DuplicateDelivery)
        {
            Outcome.AssertDuplicate(f.App, reply, attempt.Integration);
        }
        else if (status == 202)
        {
            Outcome.AssertAccepted(f.App, reply, attempt.Integration);
        }
        else if (status == 204)
        {
            // A lifecycle call that changed the tenant: no body, no challenge (logged as 240-242, not 201).
            Assert.True(reply.Status == 204, $"Expected 204, got {reply.Status}: {reply.Body}");
            Assert.Equal("", reply.Body);
            Assert.Null(reply.Header("WWW-Authenticate"));
        }
        else
        {
            Outcome.AssertRejected(f.App, reply, attempt.Integration, status, reason);
        }
    }

    private static Attempt Hs(string token) => new("hs", Http.Bearer(token));

    private static Attempt Cc(string token) => new(AttackApp.Cc, Http.Bearer(token));

    private static Attempt Mixed(string token) => new(AttackApp.Mixed, Http.Bearer(token));

    private static Attempt Jwks(string token) => new(AttackApp.Jwks, Http.Bearer(token));

    private static string Sign(string alg, string? kid, Dictionary<string, object?> claims, Func<byte[], byte[]> sign) =>
        TestTokens.Create(TestTokens.Header(alg, kid), claims, sign);

    // '=' up to a multiple of four: what a base64 (not base64url) encoder writes, and what a lenient decoder accepts.
    private static string Pad(string segment) => segment + new string('=', (4 - segment.Length % 4) % 4);

    private static string PadSignature(string token)
    {
        var dot = token.LastIndexOf('.');
        var padded = token[..(dot + 1)] + Pad(token[(dot + 1)..]);
        return padded.Length > token.Length ? padded : throw new InvalidOperationException("The signature needs no padding: pick another token.");
    }

    private static string Insert(string value, int index, string inserted) => value[..index] + inserted + value[index..];

    private static string InsertInSignature(string token, string inserted) => Insert(token, token.LastIndexOf('.') + 6, inserted);

    // Claims or a header whose encoding is not a multiple of four long, so padding shows.
    private static string PaddedJson(Dictionary<string, object?> members)
    {
        for (var i = 0; ; i++)
        {
            members["p"] = new string('p', i);
            var json = TestTokens.Json(members);
            if (TestTokens.Encode(json).Length % 4 != 0)
            {
                return json;
            }
        }
    }

    /// <summary>
    /// A token whose header (or payload) segment is changed by <paramref name="change"/> after
    /// encoding and signed over the segments exactly as sent: the signature holds, so only the
    /// serialization check can refuse it.
    /// </summary>
    private static string SignedAsSent(string headerJson, string payloadJson, Func<string, string> change, Func<byte[], byte[]> sign, bool header = false)
    {
        var h = TestTokens.Encode(headerJson);
        var p = TestTokens.Encode(payloadJson);
        if (header)
        {
            h = change(h);
        }
        else
        {
            p = change(p);
        }

        var input = h + "." + p;
        return input + "." + TestTokens.Encode(sign(Encoding.ASCII.GetBytes(input)));
    }

    // The last character of a segment not a multiple of four long carries unused bits (4 or 2):
    // setting the lowest changes the text, not the bytes a lenient decoder returns.
    private static string NonCanonicalEnd(string segment)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var last = Alphabet.IndexOf(segment[^1], StringComparison.Ordinal);
        return segment[..^1] + Alphabet[last | 1];
    }

    // HMAC-SHA256: 32 bytes, 43 characters; the last carries 2 unused bits.
    private static string NonCanonicalSignature(string token)
    {
        var dot = token.LastIndexOf('.');
        return token[..(dot + 1)] + NonCanonicalEnd(token[(dot + 1)..]);
    }

    // Two more characters: 45, which no byte count encodes to.
    private static string SignatureOfLength4nPlus1(string token) => token + "AA";

    // A good token whose signature, in base64url, has '-' or '_': sent with '+' and '/' instead.
    private static string StandardBase64Signature(AttackApp f)
    {
        while (true)
        {
            var token = f.Hs();
            var dot = token.LastIndexOf('.');
            var signature = token[(dot + 1)..];
            if (signature.AsSpan().IndexOfAny('-', '_') >= 0)
            {
                return token[..(dot + 1)] + signature.Replace('-', '+').Replace('_', '/');
            }
        }
    }

    private static Attempt App(string token) => new(AttackApp.OAuthApp, Http.Bearer(token));

    private static string TamperedWebhookPayload(AttackApp f)
    {
        var token = f.Webhook(f.WebhookClaims(c => c["sub"] = "aaaaaaaaaaaa"));
        return FlipAt(token, token.IndexOf("YWFh", token.IndexOf('.'), StringComparison.Ordinal));
    }

    private static Attempt Fit(string token) => new(AttackApp.Forge, Http.Bearer(token));

    /// <summary>A webhook delivery with this signature (null: none) and a fresh delivery id.</summary>
    private static Attempt Hook(string? signature) =>
        new(AttackApp.Hooks, null) { Headers = Http.Delivery(signature, Guid.NewGuid().ToString()) };

    // A delivery id of an accepted delivery, sent with another (correctly signed) body: the id is
    // not signed, so it alone must not make a new event look like a retry and be dropped.
    private static Attempt ReusedDeliveryId(AttackApp f)
    {
        var deliveryId = Guid.NewGuid().ToString();
        var other = Http.WebhookEvent.Replace("Disk full", "Disk almost full", StringComparison.Ordinal);
        return new Attempt(AttackApp.Hooks, null)
        {
            Headers = Http.Delivery(AttackApp.HubSignature(other), deliveryId),
            Body = other,
            Before = new Attempt(AttackApp.Hooks, null) { Headers = Http.Delivery(AttackApp.HubSignature(Http.WebhookEvent), deliveryId) },
        };
    }

    private static string TamperedForgePayload(AttackApp f)
    {
        var token = f.Fit(f.ForgeClaims(c => c["principal"] = "aaaaaaaaaaaa"));
        return FlipAt(token, token.IndexOf("YWFh", token.IndexOf('.'), StringComparison.Ordinal));
    }

    private static Dictionary<string, object?> HeaderWith(AttackApp f, string member, object value)
    {
        var header = f.HsHeader();
        header[member] = value;
        return header;
    }

    private static string None(AttackApp f, string alg, bool signed) =>
        TestTokens.Create(TestTokens.Header(alg), f.Claims(), signed ? TestTokens.Hmac(AttackApp.Secret) : null);

    // One character changed inside a JSON string, so the JSON stays valid and only the signature can tell.
    private static string TamperedHeader(AttackApp f) =>
        FlipInside(f.Hs(header: HeaderWith(f, "x", "aaaaaaaaaaaa")), segment: 0, member: "x");

    private static string TamperedPayload(AttackApp f) =>
        FlipInside(f.Hs(f.Claims(c => c["sub"] = "aaaaaaaaaaaa")), segment: 1, member: "sub");

    // The "aaa" ("YWFh" in base64url) inside the member's value, not one that a random kid or jti
    // happens to encode to: the flip must change that member only (a changed kid would be unknown_kid).
    private static string FlipInside(string token, int segment, string member)
    {
        var parts = token.Split('.');
        var original = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[segment]))!.AsObject();
        for (var at = parts[segment].IndexOf("YWFh", StringComparison.Ordinal); at >= 0; at = parts[segment].IndexOf("YWFh", at + 1, StringComparison.Ordinal))
        {
            var flipped = FlipAt(parts[segment], at);
            var changed = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(flipped))!.AsObject();
            if (original.All(m => (m.Key == member) != System.Text.Json.Nodes.JsonNode.DeepEquals(m.Value, changed[m.Key])))
            {
                parts[segment] = flipped;
                return string.Join('.', parts);
            }
        }

        throw new InvalidOperationException($"No 'aaa' inside {member} to flip.");
    }

    private static string WithoutSignature(string token) => token[..token.LastIndexOf('.')];

    private static string TamperSignature(string token) => FlipAt(token, token.LastIndexOf('.') + 10);

    private static string FlipAt(string token, int index)
    {
        var chars = token.ToCharArray();
        chars[index] = chars[index] == 'a' ? 'b' : 'a';
        return new string(chars);
    }

    /// <summary>A good hs token of exactly <paramref name="length"/> characters, padded through a claim and a header member.</summary>
    public static string Padded(AttackApp f, int length)
    {
        var claims = f.Claims();
        for (var headerPad = 0; headerPad < 4; headerPad++)
        {
            var header = HeaderWith(f, "x", new string('h', headerPad));
            for (var pad = Math.Max(0, length * 3 / 4 - 400); pad < length; pad++)
            {
                claims["pad"] = new string('p', pad);
                var token = f.Hs(claims, header);
                if (token.Length == length)
                {
                    return token;
                }

                if (token.Length > length)
                {
                    break;
                }
            }
        }

        throw new InvalidOperationException($"No token of length {length}.");
    }
}
