using System.Buffers;
using System.Buffers.Text;
using System.Text;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tokens;

/// <summary>
/// Checks a bearer token for an integration. Reads top to bottom as the protocol: size, read,
/// header policy, key, signature, claims, revocation, scopes, replay. The token is read in one
/// pass per segment (<see cref="JwtContent"/>, which also refuses repeated member names and any
/// segment that is not strict base64url); the signature is verified by IdentityModel's
/// <see cref="SignatureProvider"/> with a key bound to the header's algorithm, issuer and audience
/// are compared here, exactly. Not through <c>JsonWebTokenHandler.ValidateTokenAsync</c>,
/// which clones the validation parameters, materializes every claim and builds a ClaimsIdentity
/// per call: see bench/ for what each costs. A rejected token is a <see cref="TokenCheck"/> with
/// a reason, never an exception.
/// </summary>
/// <remarks>
/// A long-lived token (the same one on every request) is read once: its integration's
/// <see cref="TokenMemo"/> holds what it says and the accepted check, keyed by its signing input, from
/// the moment it passed every check. A repeat skips only reading it and the checks that depend on
/// nothing but the token and the integration (Forge app, jti present, scopes); size, the strict
/// spelling of its signature, header policy, key lookup, key/algorithm binding, the signature itself,
/// iss, aud, exp/nbf/iat against the clock, the lifetime cap and revocation run on every request.
/// </remarks>
public sealed class TokenValidator : ITokenValidator
{
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

    public ValueTask<TokenCheck> ValidateAsync(string integrationName, string? token, CancellationToken cancellationToken = default)
    {
        var reason = CheckSize(token);
        if (reason != ReasonCode.Accepted)
        {
            return ValueTask.FromResult(TokenCheck.Reject(reason));
        }

        // Same answer for an unknown integration as for a bad token, so names cannot be enumerated.
        return _integrations.TryGet(integrationName, out var integration)
            ? ValidateAsync(integration, token, cancellationToken)
            : ValueTask.FromResult(TokenCheck.Reject(ReasonCode.UnknownIntegration));
    }

    public async ValueTask<TokenCheck> ValidateAsync(Integration integration, string? token, CancellationToken cancellationToken = default)
    {
        var reason = CheckSize(token);
        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason);
        }

        // A long-lived token seen before: what it says is known (TokenMemo), so it is not read again.
        // Everything that can change since is checked below as for any token: keys, signature, times, revocation.
        var dot = token!.LastIndexOf('.');
        KnownToken? known = null;
        JwtContent jwt;
        if (integration.TokenMemo is { } memo && dot > 0 && memo.TryGet(token.AsSpan(0, dot), out known))
        {
            // Only the signature part can differ from the token that was accepted: held to the same strict spelling.
            if (!JwtContent.IsStrictBase64Url(token.AsSpan(dot + 1)))
            {
                return TokenCheck.Reject(ReasonCode.MalformedToken);
            }

            jwt = known.Content;
        }
        else
        {
            reason = JwtContent.TryRead(token, integration, out jwt);
            if (reason != ReasonCode.Accepted)
            {
                return TokenCheck.Reject(reason);
            }
        }

        reason = CheckHeader(jwt, integration);
        if (reason != ReasonCode.Accepted)
        {
            return Refuse(reason, known, jwt);
        }

        var kid = known is not null ? known.Caller.Kid : CallerInfo.Clip(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid);
        var lookup = await integration.Keys.GetKeysAsync(kid, cancellationToken).ConfigureAwait(false);
        if (lookup.Unavailable)
        {
            return Refuse(ReasonCode.KeysUnavailable, known, jwt);
        }

        if (lookup.Keys.Count == 0)
        {
            return Refuse(kid is null ? ReasonCode.BadSignature : ReasonCode.UnknownKid, known, jwt);
        }

        // A key verifies its one algorithm only (RFC 8725 3.1): the named key, or without a kid
        // every key, of another algorithm is a refusal of its own, before any signature is checked.
        if (!AnyKeyFor(lookup.Keys, jwt.Algorithm!))
        {
            return Refuse(ReasonCode.KeyAlgorithmMismatch, known, jwt);
        }

        // Every request, memoized or not: the memo holds what a token says, never that its signature is good.
        if (!VerifySignature(token, dot, jwt.Algorithm!, lookup.Keys))
        {
            return Refuse(ReasonCode.BadSignature, known, jwt);
        }

        reason = CheckClaims(jwt, integration);
        if (reason != ReasonCode.Accepted)
        {
            if (known is not null && reason == ReasonCode.TokenExpired)
            {
                integration.TokenMemo!.Forget(token.AsSpan(0, dot)); // it cannot pass again
            }

            return Refuse(reason, known, jwt);
        }

        if (known is not null)
        {
            // The rest was checked when the token was remembered and depends on nothing but the token and
            // the integration (Forge app, jti present, scopes; a long-lived token reserves no jti), except
            // revocation, which may have been written since.
            return IsRevoked(integration, known.Caller.JtiHash) ? Refuse(ReasonCode.RevokedToken, known, jwt) : known.Accepted;
        }

        if (integration.ForgeAppId is not null)
        {
            reason = CheckForgeApp(jwt, integration.ForgeAppId);
            if (reason != ReasonCode.Accepted)
            {
                return Refuse(reason, null, jwt);
            }
        }

        // Checked only now: jti, scopes and revocation mean something once the signature holds.
        var hasJti = !string.IsNullOrEmpty(jwt.Id);
        if (!hasJti && integration.RequiresJti)
        {
            return Refuse(ReasonCode.MissingJti, null, jwt);
        }

        // Hashed only when the integration has revocations; otherwise when the log line first asks.
        string? jtiHash = null;
        if (hasJti && _revocations.HasEntries(integration.Name))
        {
            jtiHash = Replay.JtiHash.Compute(jwt.Id!);
            if (_revocations.IsRevoked(integration.Name, jtiHash))
            {
                return TokenCheck.Reject(ReasonCode.RevokedToken, CallerInfo.FromToken(jwt, jtiHash));
            }
        }

        if (!jwt.GrantsAll(integration.RequiredScopes))
        {
            return Refuse(ReasonCode.InsufficientScope, null, jwt);
        }

        var expiresOn = new DateTimeOffset(jwt.Expires!.Value, TimeSpan.Zero);

        // Last, so a token refused for another reason does not use up its jti. Held, not yet
        // recorded: the request commits it once its event is durable and releases it otherwise
        // (TokenCheck.Reservation), so a request refused or failing after this point leaves the
        // token to the sender's retry, while a second use meanwhile is still a replay.
        ReplayReservation? reservation = null;
        if (hasJti && integration.Replay == ReplayProtection.PerRequest)
        {
            try
            {
                reservation = await _replayCache.TryReserveAsync(integration.Name, jwt.Id!, expiresOn + integration.ClockSkew, cancellationToken).ConfigureAwait(false);
            }
            catch (ReplayStoreUnavailableException)
            {
                // Fail closed: without the check a captured token could be replayed; the caller retries (503).
                return Refuse(ReasonCode.ReplayCheckUnavailable, null, jwt);
            }

            if (reservation is null)
            {
                return Refuse(ReasonCode.ReplayedJti, null, jwt);
            }
        }

        // The integration's fixed facts (an OAuth app's connection, or the shared empty list: no
        // allocation for a plain token); a Forge call's verified app, installation and principal.
        var context = integration.ForgeAppId is null ? integration.Context : ForgeContext(jwt);
        var accepted = TokenCheck.Accept(CallerInfo.Verified(jwt, jtiHash, expiresOn, context), reservation);

        // Remembered only now that it passed every check (and never with a reservation: a memo exists
        // only for long-lived tokens, which have none). The jti is hashed once here for every later use.
        if (integration.TokenMemo is { } tokens && reservation is null)
        {
            tokens.Add(token.AsSpan(0, dot), new KnownToken(jwt, CallerInfo.FromToken(jwt, accepted.Caller.JtiHash), accepted));
        }

        return accepted;
    }

    private bool IsRevoked(Integration integration, string? jtiHash) =>
        jtiHash is not null && _revocations.HasEntries(integration.Name) && _revocations.IsRevoked(integration.Name, jtiHash);

    /// <summary>A refusal with the caller as the token names it: a memoized token's, or read from <paramref name="jwt"/> now (only when refusing).</summary>
    private static TokenCheck Refuse(ReasonCode reason, KnownToken? known, JwtContent jwt) =>
        TokenCheck.Reject(reason, known?.Caller ?? CallerInfo.FromToken(jwt));

    private ReasonCode CheckSize(string? token) =>
        string.IsNullOrEmpty(token) ? ReasonCode.MissingToken
        : token.Length > _maxTokenBytes ? ReasonCode.TokenTooLarge
        : ReasonCode.Accepted;

    // Forge's own rule on top of aud: the token's app.id names our app too, and it is installed somewhere.
    private static ReasonCode CheckForgeApp(JwtContent jwt, string appId)
    {
        if (jwt.ForgeApp is not { Id: { } id, InstallationId: { Length: > 0 } })
        {
            return ReasonCode.MissingClaim;
        }

        return string.Equals(id, appId, StringComparison.Ordinal) ? ReasonCode.Accepted : ReasonCode.ForgeAppMismatch;
    }

    /// <summary>The verified facts of a Forge call the event's consumer routes by (names as in the event record's caller.context).</summary>
    private static List<KeyValuePair<string, string>> ForgeContext(JwtContent jwt)
    {
        var app = jwt.ForgeApp!;
        var context = new List<KeyValuePair<string, string>>(5)
        {
            new("appId", app.Id!),
            new("installationId", CallerInfo.Clip(app.InstallationId)!),
        };
        Add(context, "environmentType", app.EnvironmentType);
        Add(context, "environmentId", app.EnvironmentId);
        Add(context, "principal", jwt.Principal);
        return context;

        static void Add(List<KeyValuePair<string, string>> context, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                context.Add(new(name, CallerInfo.Clip(value)!));
            }
        }
    }

    internal static ReasonCode CheckHeader(JwtContent jwt, Integration integration) => CheckHeader(jwt, integration.Algorithms);

    /// <summary>The header policy against an allow-list of algorithms (Connect's is fixed by the protocol).</summary>
    internal static ReasonCode CheckHeader(JwtContent jwt, IReadOnlySet<string> algorithms)
    {
        // Exact, case-sensitive match against the allow-list: "none", "None", "NONE" are never on it.
        if (string.IsNullOrEmpty(jwt.Algorithm) || !algorithms.Contains(jwt.Algorithm))
        {
            return ReasonCode.AlgorithmNotAllowed;
        }

        // Headers that point at keys elsewhere or carry one: never followed, and a token carrying
        // one is refused outright rather than silently ignoring what its sender asked for.
        if (jwt.HasKeyLocationHeader)
        {
            return ReasonCode.ForbiddenHeader;
        }

        // RFC 7515 4.1.11: a recipient that does not understand a listed extension must reject.
        // This app understands none.
        if (jwt.HasCriticalHeader)
        {
            return ReasonCode.UnknownCriticalHeader;
        }

        return ReasonCode.Accepted;
    }

    // Indexed, not foreach: a foreach over the interface would allocate an enumerator on every request.
    private static bool AnyKeyFor(IReadOnlyList<VerificationKey> keys, string algorithm)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (string.Equals(keys[i].Algorithm, algorithm, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether one of <paramref name="keys"/> bound to <paramref name="algorithm"/> verifies the signature; keys of other algorithms are never tried.</summary>
    internal static bool VerifySignature(string token, string algorithm, IReadOnlyList<VerificationKey> keys) =>
        VerifySignature(token, token.LastIndexOf('.'), algorithm, keys);

    /// <param name="dot">Where the signature part starts (the last '.' of <paramref name="token"/>).</param>
    private static bool VerifySignature(string token, int dot, string algorithm, IReadOnlyList<VerificationKey> keys)
    {
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
            for (var i = 0; i < keys.Count; i++)
            {
                var key = keys[i];
                if (!string.Equals(key.Algorithm, algorithm, StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    if (key.Verify(algorithm, input, inputLength, signature, signatureLength))
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

    private ReasonCode CheckClaims(JwtContent jwt, Integration integration)
    {
        if (jwt.Expires is not { } expires ||
            (integration.RequiresIssuer && string.IsNullOrEmpty(jwt.Issuer)) ||
            (integration.RequiresAudience && jwt.AudienceCount == 0))
        {
            return ReasonCode.MissingClaim;
        }

        // Exact, ordinal comparisons (RFC 7519 4.1.1, 4.1.3: StringOrURI values compare as strings):
        // no trailing-slash, case or whitespace leniency, which IdentityModel's Validators would
        // apply to the audience (IgnoreTrailingSlashWhenValidatingAudience defaults to true).
        if (integration.RequiresIssuer && !integration.Issuers.Contains(jwt.Issuer!))
        {
            return ReasonCode.InvalidIssuer;
        }

        if (integration.RequiresAudience && !jwt.HasAudience(integration.Audience!))
        {
            return ReasonCode.InvalidAudience;
        }

        // Times are compared here against the injected clock: IdentityModel 8 keeps the
        // TimeProvider of its own lifetime validator internal, so it would always read the system clock.
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var notBefore = jwt.NotBefore;
        var issuedAt = jwt.IssuedAt;
        var skew = integration.ClockSkew;

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
}
