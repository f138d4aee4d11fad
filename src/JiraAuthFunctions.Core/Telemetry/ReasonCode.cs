namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// Why a request was accepted or rejected: a closed set. Each member maps to a stable
/// snake_case string (<see cref="ReasonCodes.ToCode"/>) that on-call queries by; never rename one.
/// </summary>
public enum ReasonCode
{
    Accepted = 0,

    // Finding and reading the token.
    MissingToken = 100,
    TokenTooLarge,
    MalformedToken,
    DuplicateMember,
    EncryptedToken,

    // The header.
    AlgorithmNotAllowed = 200,
    ForbiddenHeader,
    UnknownCriticalHeader,

    // The key and the signature.
    UnknownIntegration = 300,
    UnknownKid,
    BadSignature,
    KeysUnavailable,
    ReplayCheckUnavailable,

    /// <summary>The key the token names (or, without kid, every key) verifies another algorithm than the header's (RFC 8725 3.1).</summary>
    KeyAlgorithmMismatch = 309,

    // The claims.
    MissingClaim = 400,
    InvalidIssuer,
    InvalidAudience,
    TokenExpired,
    TokenNotYetValid,
    IssuedInFuture,
    LifetimeExceeded,
    MissingJti,
    ReplayedJti,
    RevokedToken,
    InsufficientScope,

    // The request around the token (after authentication succeeded).
    UnsupportedMediaType = 500,
    BodyTooLarge,
    NotAJiraEvent,
    SinkUnavailable,

    // Atlassian Connect: tenants, the query string hash, lifecycle calls.
    QshMismatch = 600,
    UnknownTenant,
    ContextQshNotAllowed,
    ClientKeyMismatch,
    InvalidLifecyclePayload,
    InstallKeyUnavailable,

    /// <summary>A lifecycle call signed with a shared secret (HS*), not by Atlassian's install key: a leaked secret must not change the tenant.</summary>
    SharedSecretLifecycle,

    /// <summary>A signed lifecycle token used a second time (its qsh covers the URL, not the body).</summary>
    ReplayedLifecycleToken,

    // Signed webhooks (X-Hub-Signature) and Forge invocation tokens.
    MissingSignature = 700,
    MalformedSignature,
    SignatureAlgorithmNotAllowed,
    ForgeAppMismatch,

    /// <summary>Not a rejection: a retry of a delivery already accepted, answered 202 with the first event id and not written again.</summary>
    DuplicateDelivery,

    // Jira's dynamic webhooks, kept alive by the credentials job (log and health only, never a response).
    WebhookRefreshFailed = 800,
    WebhookExpired,

    // Outbound Jira connections' credentials, checked by the credentials job (log and health only, never a response).

    /// <summary>A token response granted less than the connection's RequiredScopes (or refused them: invalid_scope).</summary>
    ScopeMissing = 820,

    // The token endpoint (POST /api/oauth/token, RFC 6749 client credentials): why no access token was issued.
    UnknownClient = 900,
    BadClientSecret,
    ClientRateLimited,
    InvalidScope,
    UnsupportedGrantType,
    InvalidTokenRequest,
}

public static class ReasonCodes
{
    /// <summary>
    /// The string written to logs and metrics. An explicit table, not ToString(): renaming a member must
    /// not rename a query key. No discard arm: a new member without its string is a compile error (CS8509).
    /// </summary>
#pragma warning disable CS8524 // only unnamed values (a cast int) are left; they throw SwitchExpressionException
    public static string ToCode(this ReasonCode reason) => reason switch
    {
        ReasonCode.Accepted => "accepted",
        ReasonCode.MissingToken => "missing_token",
        ReasonCode.TokenTooLarge => "token_too_large",
        ReasonCode.MalformedToken => "malformed_token",
        ReasonCode.DuplicateMember => "duplicate_member",
        ReasonCode.EncryptedToken => "encrypted_token",
        ReasonCode.AlgorithmNotAllowed => "alg_not_allowed",
        ReasonCode.ForbiddenHeader => "forbidden_header",
        ReasonCode.UnknownCriticalHeader => "unknown_crit",
        ReasonCode.UnknownIntegration => "unknown_integration",
        ReasonCode.UnknownKid => "unknown_kid",
        ReasonCode.BadSignature => "bad_signature",
        ReasonCode.KeysUnavailable => "keys_unavailable",
        ReasonCode.ReplayCheckUnavailable => "replay_check_unavailable",
        ReasonCode.KeyAlgorithmMismatch => "key_alg_mismatch",
        ReasonCode.MissingClaim => "missing_claim",
        ReasonCode.InvalidIssuer => "invalid_issuer",
        ReasonCode.InvalidAudience => "invalid_audience",
        ReasonCode.TokenExpired => "token_expired",
        ReasonCode.TokenNotYetValid => "token_not_yet_valid",
        ReasonCode.IssuedInFuture => "iat_in_future",
        ReasonCode.LifetimeExceeded => "lifetime_exceeded",
        ReasonCode.MissingJti => "missing_jti",
        ReasonCode.ReplayedJti => "replayed_jti",
        ReasonCode.RevokedToken => "revoked_token",
        ReasonCode.InsufficientScope => "insufficient_scope",
        ReasonCode.UnsupportedMediaType => "unsupported_media_type",
        ReasonCode.BodyTooLarge => "body_too_large",
        ReasonCode.NotAJiraEvent => "not_a_jira_event",
        ReasonCode.SinkUnavailable => "sink_unavailable",
        ReasonCode.QshMismatch => "qsh_mismatch",
        ReasonCode.UnknownTenant => "unknown_tenant",
        ReasonCode.ContextQshNotAllowed => "context_qsh_not_allowed",
        ReasonCode.ClientKeyMismatch => "client_key_mismatch",
        ReasonCode.InvalidLifecyclePayload => "invalid_lifecycle_payload",
        ReasonCode.InstallKeyUnavailable => "install_key_unavailable",
        ReasonCode.SharedSecretLifecycle => "shared_secret_lifecycle",
        ReasonCode.ReplayedLifecycleToken => "replayed_lifecycle_token",
        ReasonCode.MissingSignature => "missing_signature",
        ReasonCode.MalformedSignature => "malformed_signature",
        ReasonCode.SignatureAlgorithmNotAllowed => "signature_alg_not_allowed",
        ReasonCode.ForgeAppMismatch => "forge_app_mismatch",
        ReasonCode.DuplicateDelivery => "duplicate_delivery",
        ReasonCode.WebhookRefreshFailed => "webhook_refresh_failed",
        ReasonCode.WebhookExpired => "webhook_expired",
        ReasonCode.UnknownClient => "unknown_client",
        ReasonCode.BadClientSecret => "bad_client_secret",
        ReasonCode.ClientRateLimited => "client_rate_limited",
        ReasonCode.InvalidScope => "invalid_scope",
        ReasonCode.UnsupportedGrantType => "unsupported_grant_type",
        ReasonCode.InvalidTokenRequest => "invalid_token_request",
        ReasonCode.ScopeMissing => "scope_missing",
    };
#pragma warning restore CS8524
}
