using System.Collections.Frozen;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>
/// Checks Atlassian Connect JWTs. A request from Jira (webhook, workflow post function) carries an
/// HS256 token signed with the tenant's shared secret, the tenant named by <c>iss</c> (its
/// clientKey), in <c>Authorization: JWT &lt;token&gt;</c> or the <c>jwt</c> query parameter; its
/// <c>qsh</c> must be the hash of this very request (<see cref="QueryStringHash"/>). A lifecycle
/// call (installed, uninstalled) is RS256-signed by Atlassian with an install key named by
/// <c>kid</c> and addressed to the app's base URL, and nothing else. Reads top to bottom as the
/// protocol; a rejection is a reason, never an exception.
/// </summary>
/// <remarks>
/// No jti replay cache: Connect tokens carry no jti, and the qsh ties a token to one method,
/// path and query within its short lifetime (Jira issues them for 3 minutes). The body is not
/// covered by the token at all: see docs/connect.md.
/// </remarks>
public sealed class ConnectTokenValidator(IOptions<InboundOptions> options, TimeProvider timeProvider)
{
    private static readonly FrozenSet<string> RequestAlgorithms = new[] { "HS256" }.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> LifecycleAlgorithms = new[] { "RS256" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly int _maxTokenBytes = options.Value.MaxTokenBytes;

    /// <summary>A request from a tenant's Jira to the app.</summary>
    /// <remarks>
    /// Not an async method: a tenant is held in memory for all but its first request (and one per
    /// refresh interval), and then the check runs through without async machinery; only a tenant
    /// read from the store is awaited.
    /// </remarks>
    public ValueTask<TokenCheck> ValidateRequestAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default)
    {
        var app = integration.Connect!;
        var token = TokenOf(request, out var repeated);
        if (repeated)
        {
            // Which of two tokens counts is where readers disagree: neither is taken.
            return new(TokenCheck.Reject(ReasonCode.MalformedToken));
        }

        var (reason, jwt, caller) = Read(token, RequestAlgorithms);
        if (reason != ReasonCode.Accepted)
        {
            return new(TokenCheck.Reject(reason, caller));
        }

        if (string.IsNullOrEmpty(jwt!.Issuer))
        {
            return new(TokenCheck.Reject(ReasonCode.MissingClaim, caller));
        }

        var lookup = app.Tenants.FindAsync(jwt.Issuer, cancellationToken);
        return lookup.IsCompletedSuccessfully
            ? new(CheckRequest(lookup.Result, token!, request, jwt, integration, caller))
            : CheckRequestAsync(lookup, token!, request, jwt, integration, caller);
    }

    private async ValueTask<TokenCheck> CheckRequestAsync(ValueTask<TenantLookup> lookup, string token, InboundRequest request, JwtContent jwt, Integration integration, CallerInfo caller) =>
        CheckRequest(await lookup.ConfigureAwait(false), token, request, jwt, integration, caller);

    /// <summary>The rest of a request's check, once its tenant (named by <c>iss</c>) is looked up.</summary>
    private TokenCheck CheckRequest(TenantLookup lookup, string token, InboundRequest request, JwtContent jwt, Integration integration, CallerInfo caller)
    {
        if (lookup.Tenant is not { } tenant)
        {
            return TokenCheck.Reject(lookup.Unavailable ? ReasonCode.KeysUnavailable : ReasonCode.UnknownTenant, caller);
        }

        var reason = Verify(token, request, jwt, integration, tenant.Keys, audience: null, contextQshAllowed: true);
        return reason != ReasonCode.Accepted
            ? TokenCheck.Reject(reason, caller)
            : TokenCheck.Accept(caller with
            {
                ExpiresOn = new DateTimeOffset(jwt.Expires!.Value, TimeSpan.Zero),
                Context = tenant.Context,
            });
    }

    /// <summary>
    /// A lifecycle call's token. On success the caller carries the verified issuer (the clientKey
    /// the payload must name) and the token's expiry.
    /// </summary>
    /// <remarks>
    /// Only Atlassian's signature counts. A token signed with a shared secret (HS*) is refused with
    /// its own reason before any tenant is looked up: before signed installs, a reinstall or an
    /// uninstall was HS256 with the tenant's current secret, so whoever learned that secret could
    /// replace it (locking Jira out) or uninstall the site. atlassian-connect-express refuses them too.
    /// </remarks>
    public async ValueTask<TokenCheck> ValidateLifecycleAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default)
    {
        var app = integration.Connect!;
        var token = request.Credentials("JWT");
        var (reason, jwt, caller) = Read(token, LifecycleAlgorithms);
        if (reason == ReasonCode.AlgorithmNotAllowed && jwt?.Algorithm is "HS256" or "HS384" or "HS512")
        {
            return TokenCheck.Reject(ReasonCode.SharedSecretLifecycle, caller);
        }

        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason, caller);
        }

        // The key comes from the install-keys service, never from the token, and a shared secret is
        // never tried (nor an install key as an HMAC secret).
        var (status, key) = await app.InstallKeys.GetAsync(jwt!.Kid, cancellationToken).ConfigureAwait(false);
        if (status != InstallKeyStatus.Found)
        {
            return TokenCheck.Reject(status == InstallKeyStatus.Unknown ? ReasonCode.UnknownKid : ReasonCode.InstallKeyUnavailable, caller);
        }

        reason = Verify(token!, request, jwt, integration, [key!], app.Audience, contextQshAllowed: false);
        return reason == ReasonCode.Accepted
            ? TokenCheck.Accept(caller with { ExpiresOn = new DateTimeOffset(jwt.Expires!.Value, TimeSpan.Zero) })
            : TokenCheck.Reject(reason, caller);
    }

    /// <summary>The token from <c>Authorization: JWT ...</c>, else from the <c>jwt</c> query parameter.</summary>
    public static string? TokenOf(InboundRequest request) => TokenOf(request, out _);

    /// <param name="repeated">The query has more than one <c>jwt</c> parameter (and there is no header token): the token is null.</param>
    public static string? TokenOf(InboundRequest request, out bool repeated)
    {
        repeated = false;
        var fromHeader = request.Credentials("JWT");
        if (fromHeader is not null)
        {
            return fromHeader;
        }

        string? token = null;
        foreach (var pair in request.Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.StartsWith("jwt=", StringComparison.Ordinal))
            {
                if (token is not null)
                {
                    repeated = true;
                    return null;
                }

                token = Uri.UnescapeDataString(pair[4..]);
            }
        }

        return token;
    }

    private (ReasonCode, JwtContent?, CallerInfo) Read(string? token, FrozenSet<string> algorithms)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (ReasonCode.MissingToken, null, CallerInfo.Unknown);
        }

        if (token.Length > _maxTokenBytes)
        {
            return (ReasonCode.TokenTooLarge, null, CallerInfo.Unknown);
        }

        var reason = JwtContent.TryRead(token, out var jwt);
        if (reason != ReasonCode.Accepted)
        {
            return (reason, null, CallerInfo.Unknown);
        }

        var caller = CallerInfo.FromToken(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, jwt.Issuer, jwt.Subject, jwt.Id, jwt.Algorithm);
        return (TokenValidator.CheckHeader(jwt, algorithms), jwt, caller);
    }

    private ReasonCode Verify(string token, InboundRequest request, JwtContent jwt, Integration integration, IReadOnlyList<VerificationKey> keys, string? audience, bool contextQshAllowed)
    {
        if (!TokenValidator.VerifySignature(token, jwt.Algorithm!, keys))
        {
            return ReasonCode.BadSignature;
        }

        var reason = CheckClaims(jwt, integration, audience);
        return reason != ReasonCode.Accepted ? reason : CheckQsh(request, jwt, integration.Connect!, contextQshAllowed);
    }

    private ReasonCode CheckClaims(JwtContent jwt, Integration integration, string? audience)
    {
        if (jwt.Expires is not { } expires || jwt.IssuedAt is not { } issuedAt || string.IsNullOrEmpty(jwt.Issuer) || string.IsNullOrEmpty(jwt.Qsh))
        {
            return ReasonCode.MissingClaim;
        }

        // Exactly the descriptor's baseUrl (RFC 7519 4.1.3): a trailing '/' or another case is another audience.
        if (audience is not null && !jwt.Audiences.Any(a => string.Equals(a, audience, StringComparison.Ordinal)))
        {
            return ReasonCode.InvalidAudience;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var skew = integration.ClockSkew;
        if (now - skew >= expires)
        {
            return ReasonCode.TokenExpired;
        }

        if (jwt.NotBefore - skew > now)
        {
            return ReasonCode.TokenNotYetValid;
        }

        if (issuedAt - skew > now)
        {
            return ReasonCode.IssuedInFuture;
        }

        return expires - issuedAt > integration.MaxTokenLifetime ? ReasonCode.LifetimeExceeded : ReasonCode.Accepted;
    }

    private static ReasonCode CheckQsh(InboundRequest request, JwtContent jwt, ConnectApp app, bool contextQshAllowed)
    {
        var start = QueryStringHash.AppRelativeStart(request.Path, app.PathPrefix);
        if (start < 0)
        {
            return ReasonCode.QshMismatch;
        }

        if (jwt.Qsh == QueryStringHash.ContextQsh)
        {
            return contextQshAllowed && app.ContextQshRoutes.Contains(QueryStringHash.CanonicalPath(request.Path[start..]))
                ? ReasonCode.Accepted
                : ReasonCode.ContextQshNotAllowed;
        }

        // The app-relative path as a slice of the received one: the hash is computed without a string.
        return QueryStringHash.Matches(jwt.Qsh!, request.Method, request.Path.AsSpan(start), request.Query) ? ReasonCode.Accepted : ReasonCode.QshMismatch;
    }
}
