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
}

public static class ReasonCodes
{
    /// <summary>The string written to logs and metrics. An explicit table, not ToString(): renaming a member must not rename a query key.</summary>
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
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Reason code without a string."),
    };
}
