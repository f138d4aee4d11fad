using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Tokens;

/// <summary>
/// The outcome of checking one token: accepted, or the reason it was not. Carries what the log
/// needs about the caller; never the token, its signature or a key.
/// </summary>
public sealed class TokenCheck
{
    private TokenCheck(ReasonCode reason, CallerInfo caller, ReplayReservation? reservation = null)
    {
        Reason = reason;
        Caller = caller;
        Reservation = reservation;
    }

    public ReasonCode Reason { get; }

    public CallerInfo Caller { get; }

    /// <summary>
    /// For an accepted per-request token: its jti, held for this request. The caller commits it once
    /// the request's effect is durable and releases it on every other outcome; left alone it lapses
    /// after <see cref="ReplayReservation.PendingHold"/> and the token can be used again.
    /// </summary>
    public ReplayReservation? Reservation { get; }

    public bool Succeeded => Reason == ReasonCode.Accepted;

    public static TokenCheck Accept(CallerInfo caller, ReplayReservation? reservation = null) => new(ReasonCode.Accepted, caller, reservation);

    public static TokenCheck Reject(ReasonCode reason, CallerInfo? caller = null) => new(reason, caller ?? CallerInfo.Unknown);
}

/// <summary>
/// Who called, as far as the token says. Values are truncated to <see cref="MaxLength"/> characters:
/// before the signature is verified they are the caller's unverified claims, fit for a log line only.
/// </summary>
public sealed record CallerInfo(string? Kid, string? Issuer, string? Subject, string? JtiHash, string? Algorithm)
{
    public const int MaxLength = 128;

    // The jti as the token carries it, hashed only when JtiHash is first read: the hash is for the
    // log line and the revocation list, and most requests need neither before their log is written.
    private string? _jti;
    private string? _jtiHash = JtiHash;

    /// <summary>The <see cref="Replay.JtiHash"/> of the token's jti: never the jti itself.</summary>
    public string? JtiHash
    {
        get => _jtiHash ??= _jti is null ? null : Replay.JtiHash.Compute(_jti);
        init => _jtiHash = value;
    }

    public static readonly CallerInfo Unknown = new(null, null, null, null, null);

    // The token's scopes are listed (split) only when someone asks: a request needs only the check of them.
    private IReadOnlyList<string>? _scopes;
    private JwtContent? _grant;

    /// <summary>The scopes the token grants (after a successful check).</summary>
    public IReadOnlyList<string> Scopes
    {
        get => _scopes ?? _grant?.Scopes ?? [];
        init => _scopes = value;
    }

    /// <summary>When the token expires (after a successful check).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }

    /// <summary>
    /// Verified facts a scheme adds to the event record (a Forge app's installation, a Connect
    /// tenant, a webhook's delivery id): names and values the downstream consumer may route by.
    /// Never a secret. Empty for plain bearer tokens.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Context { get; init; } = [];

    /// <summary>
    /// For schemes whose sender retries a delivery (a Jira webhook): the key its retries share,
    /// checked against <see cref="IDeliveryLog"/> before the event is stored. Null: no retry check.
    /// </summary>
    public string? DeliveryKey { get; init; }

    /// <summary>From a token's claims (unverified until the check succeeds); the jti is hashed on demand.</summary>
    public static CallerInfo FromToken(string? kid, string? issuer, string? subject, string? jti, string? algorithm) =>
        new(Clip(kid), Clip(issuer), Clip(subject), null, Clip(algorithm)) { _jti = string.IsNullOrEmpty(jti) ? null : jti };

    /// <summary>From what a token says, before it is verified (for the log line of a refusal); <paramref name="jtiHash"/> when already computed.</summary>
    internal static CallerInfo FromToken(JwtContent jwt, string? jtiHash = null) =>
        new(Clip(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid), Clip(jwt.Issuer), Clip(jwt.Subject), jtiHash, Clip(jwt.Algorithm))
        {
            _jti = string.IsNullOrEmpty(jwt.Id) ? null : jwt.Id,
        };

    /// <summary>
    /// The caller of a token that passed every check, built once (no unverified copy first): its scopes listed from
    /// <paramref name="jwt"/> when first asked for; <paramref name="jtiHash"/> when already computed, else hashed on demand.
    /// </summary>
    internal static CallerInfo Verified(JwtContent jwt, string? jtiHash, DateTimeOffset expiresOn, IReadOnlyList<KeyValuePair<string, string>> context) =>
        new(Clip(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid), Clip(jwt.Issuer), Clip(jwt.Subject), jtiHash, Clip(jwt.Algorithm))
        {
            _jti = string.IsNullOrEmpty(jwt.Id) ? null : jwt.Id,
            _grant = jwt,
            ExpiresOn = expiresOn,
            Context = context,
        };

    /// <summary>At most <see cref="MaxLength"/> characters, never ending in half a surrogate pair (which no JSON log line or record can hold).</summary>
    public static string? Clip(string? value) =>
        value is null || value.Length <= MaxLength ? value
        : value[..(char.IsHighSurrogate(value[MaxLength - 1]) ? MaxLength - 1 : MaxLength)];
}
