using System.Buffers;
using System.Buffers.Text;
using System.Text;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Checks a bearer token for an integration. Reads top to bottom as the protocol: size, parse,
/// header policy, key, signature, claims, revocation, scopes, replay. Every signature and claim
/// check is IdentityModel's (<see cref="JsonWebToken"/>, <see cref="SignatureProvider"/>,
/// <see cref="Validators"/>), called piece by piece rather than through
/// <c>JsonWebTokenHandler.ValidateTokenAsync</c>, which clones the validation parameters and
/// builds a ClaimsIdentity per call: about three times the cost of the HMAC itself (see bench/).
/// A rejected token is a <see cref="TokenCheck"/> with a reason, never an exception.
/// </summary>
public sealed class TokenValidator : ITokenValidator
{
    // Headers that point at keys elsewhere or carry one: never followed, and a token carrying
    // one is refused outright rather than silently ignoring what its sender asked for.
    private static readonly string[] KeyLocationHeaders = ["jku", "x5u", "jwk", "x5c"];

    private readonly IntegrationRegistry _integrations;
    private readonly IReplayCache _replayCache;
    private readonly IRevocationList _revocations;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxTokenBytes;

    public TokenValidator(IntegrationRegistry integrations, IReplayCache replayCache, IRevocationList revocations, IOptions<InboundOptions> options, TimeProvider timeProvider)
    {
        _integrations = integrations;
        _replayCache = replayCache;
        _revocations = revocations;
        _timeProvider = timeProvider;
        _maxTokenBytes = options.Value.MaxTokenBytes;
    }

    public async ValueTask<TokenCheck> ValidateAsync(string integrationName, string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return TokenCheck.Reject(ReasonCode.MissingToken);
        }

        if (token.Length > _maxTokenBytes)
        {
            return TokenCheck.Reject(ReasonCode.TokenTooLarge);
        }

        // Same answer for an unknown integration as for a bad token, so names cannot be enumerated.
        if (!_integrations.TryGet(integrationName, out var integration))
        {
            return TokenCheck.Reject(ReasonCode.UnknownIntegration);
        }

        var reason = TryRead(token, out var jwt);
        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason);
        }

        var caller = Describe(jwt);
        reason = CheckHeader(jwt, integration);
        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason, caller);
        }

        var lookup = await integration.Keys.GetKeysAsync(caller.Kid, cancellationToken).ConfigureAwait(false);
        if (lookup.Unavailable)
        {
            return TokenCheck.Reject(ReasonCode.KeysUnavailable, caller);
        }

        if (lookup.Keys.Count == 0)
        {
            return TokenCheck.Reject(caller.Kid is null ? ReasonCode.BadSignature : ReasonCode.UnknownKid, caller);
        }

        if (!VerifySignature(token, jwt.Alg, lookup.Keys))
        {
            return TokenCheck.Reject(ReasonCode.BadSignature, caller);
        }

        reason = CheckClaims(jwt, integration);
        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason, caller);
        }

        // Checked only now: jti, scopes and revocation mean something once the signature holds.
        if (string.IsNullOrEmpty(jwt.Id))
        {
            return TokenCheck.Reject(ReasonCode.MissingJti, caller);
        }

        if (_revocations.HasEntries(integration.Name) && _revocations.IsRevoked(integration.Name, caller.JtiHash!))
        {
            return TokenCheck.Reject(ReasonCode.RevokedToken, caller);
        }

        var scopes = ReadScopes(jwt);
        if (!HasAll(scopes, integration.RequiredScopes))
        {
            return TokenCheck.Reject(ReasonCode.InsufficientScope, caller);
        }

        var expiresOn = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);

        // Last, so a token refused for another reason does not use up its jti.
        if (integration.Replay == ReplayProtection.PerRequest &&
            !await _replayCache.TryAddAsync(integration.Name, jwt.Id, expiresOn + integration.ClockSkew, cancellationToken).ConfigureAwait(false))
        {
            return TokenCheck.Reject(ReasonCode.ReplayedJti, caller);
        }

        return TokenCheck.Accept(caller with { Scopes = scopes, ExpiresOn = expiresOn });
    }

    private static ReasonCode TryRead(string token, out JsonWebToken jwt)
    {
        jwt = null!;
        var first = token.IndexOf('.');
        var last = token.LastIndexOf('.');
        if (first <= 0 || first == last)
        {
            return ReasonCode.MalformedToken;
        }

        if (token.AsSpan(first + 1, last - first - 1).Contains('.'))
        {
            // Five segments is JWE; anything else is not a JWT at all.
            return token.AsSpan().Count('.') == 4 ? ReasonCode.EncryptedToken : ReasonCode.MalformedToken;
        }

        // Before IdentityModel reads it: its parser keeps the last of repeated members silently.
        if (JwtMembers.HasDuplicate(token.AsSpan(0, first)) || JwtMembers.HasDuplicate(token.AsSpan(first + 1, last - first - 1)))
        {
            return ReasonCode.DuplicateMember;
        }

        try
        {
            jwt = new JsonWebToken(token);
            return ReasonCode.Accepted;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            return ReasonCode.MalformedToken;
        }
    }

    private static CallerInfo Describe(JsonWebToken jwt) =>
        CallerInfo.FromToken(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, jwt.Issuer, jwt.Subject, jwt.Id, jwt.Alg);

    private static ReasonCode CheckHeader(JsonWebToken jwt, Integration integration)
    {
        // Exact, case-sensitive match against the allow-list: "none", "None", "NONE" are never on it.
        if (string.IsNullOrEmpty(jwt.Alg) || !integration.Algorithms.Contains(jwt.Alg))
        {
            return ReasonCode.AlgorithmNotAllowed;
        }

        foreach (var header in KeyLocationHeaders)
        {
            if (jwt.TryGetHeaderValue<object>(header, out _))
            {
                return ReasonCode.ForbiddenHeader;
            }
        }

        // RFC 7515 4.1.11: a recipient that does not understand a listed extension must reject.
        // This app understands none.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return ReasonCode.UnknownCriticalHeader;
        }

        return ReasonCode.Accepted;
    }

    private static bool VerifySignature(string token, string algorithm, IReadOnlyList<VerificationKey> keys)
    {
        var dot = token.LastIndexOf('.');
        var encodedSignature = token.AsSpan(dot + 1);
        if (encodedSignature.IsEmpty)
        {
            return false;
        }

        var input = ArrayPool<byte>.Shared.Rent(dot);
        var signature = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encodedSignature.Length));
        try
        {
            if (Base64Url.DecodeFromChars(encodedSignature, signature, out _, out var signatureLength) != OperationStatus.Done)
            {
                return false;
            }

            var inputLength = Encoding.ASCII.GetBytes(token.AsSpan(0, dot), input);
            foreach (var key in keys)
            {
                try
                {
                    if (key.GetSignatureProvider(algorithm).Verify(input, 0, inputLength, signature, 0, signatureLength))
                    {
                        return true;
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException or SecurityTokenException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
                {
                    // A key that cannot verify this algorithm, or a signature of the wrong size:
                    // not a match. The next key may still be the one.
                }
            }

            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(signature);
        }
    }

    private ReasonCode CheckClaims(JsonWebToken jwt, Integration integration)
    {
        if (jwt.ValidTo == DateTime.MinValue || string.IsNullOrEmpty(jwt.Issuer) || !jwt.Audiences.Any())
        {
            return ReasonCode.MissingClaim;
        }

        try
        {
            Validators.ValidateIssuer(jwt.Issuer, jwt, integration.Parameters);
        }
        catch (SecurityTokenInvalidIssuerException)
        {
            return ReasonCode.InvalidIssuer;
        }

        try
        {
            Validators.ValidateAudience(jwt.Audiences, jwt, integration.Parameters);
        }
        catch (SecurityTokenInvalidAudienceException)
        {
            return ReasonCode.InvalidAudience;
        }

        // Times are compared here against the injected clock: IdentityModel 8 keeps the
        // TimeProvider of its own lifetime validator internal, so it would always read the system clock.
        // IdentityModel reports an absent exp, nbf or iat as DateTime.MinValue.
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var notBefore = jwt.ValidFrom == DateTime.MinValue ? (DateTime?)null : jwt.ValidFrom;
        var issuedAt = jwt.IssuedAt == DateTime.MinValue ? (DateTime?)null : jwt.IssuedAt;
        var skew = integration.ClockSkew;
        var expires = jwt.ValidTo;

        // now - skew, not expires + skew: an exp past year 9999 reads as DateTime.MaxValue, which cannot be added to.
        if (now - skew >= expires)
        {
            return ReasonCode.TokenExpired;
        }

        if (notBefore - skew > now)
        {
            return ReasonCode.TokenNotYetValid;
        }

        if (issuedAt - skew > now)
        {
            return ReasonCode.IssuedInFuture;
        }

        // Lifetime is measured from iat, else nbf, else now: a token without either is held to
        // the cap counted from the moment it is used.
        var start = issuedAt ?? notBefore ?? now;
        if (expires - start > integration.MaxTokenLifetime)
        {
            return ReasonCode.LifetimeExceeded;
        }

        return ReasonCode.Accepted;
    }

    private static IReadOnlyList<string> ReadScopes(JsonWebToken jwt)
    {
        // The JSON type is looked at first: asked for a string, IdentityModel returns an array's JSON
        // text, and asked for string[], it wraps a string ("a b") in a one-element array.
        if (jwt.TryGetPayloadValue<object>("scope", out var scope) && scope is string scopeText && !string.IsNullOrWhiteSpace(scopeText))
        {
            return scopeText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        if (jwt.TryGetPayloadValue<object>("scp", out var scp) && scp is string scpText)
        {
            return scpText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        if (jwt.TryGetPayloadValue<string[]>("scp", out var array) && array is not null)
        {
            return array;
        }

        return [];
    }

    private static bool HasAll(IReadOnlyList<string> granted, string[] required)
    {
        foreach (var scope in required)
        {
            if (!granted.Contains(scope, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
