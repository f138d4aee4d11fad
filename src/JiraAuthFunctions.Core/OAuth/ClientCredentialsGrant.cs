using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.OAuth;

/// <summary>A token request as the endpoint read it (RFC 6749 4.4.2); values already form-decoded.</summary>
public sealed record TokenRequest(string? GrantType, string? ClientId, string? ClientSecret, string? Scope);

/// <summary>
/// The outcome of a token request: an access token, or the reason there is none. <see cref="Integration"/>
/// and <see cref="ClientId"/> are what the log may say: <see cref="ClientRateLimiter.UnknownClients"/>
/// until the id is known to be a client's.
/// </summary>
public sealed record TokenGrant(ReasonCode Reason, string Integration, string ClientId)
{
    public string? AccessToken { get; init; }
    public int ExpiresIn { get; init; }
    public string? Scope { get; init; }
    public string? Kid { get; init; }
    public string? JtiHash { get; init; }

    /// <summary>For <see cref="ReasonCode.ClientRateLimited"/>: when to try again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>This failure is the one that locked the client out.</summary>
    public bool LockedOut { get; init; }

    public bool Succeeded => Reason == ReasonCode.Accepted;
}

/// <summary>
/// RFC 6749 4.4, the client credentials grant, for integrations whose callers cannot sign (a Jira
/// automation rule can make one web request and use its answer in the next). Reads as the protocol:
/// the grant type, the client (rate limit, id, secret), the scope, then an ES256 access token signed
/// with the app's current key for the integration's audience (<see cref="ClientCredentialsToken"/>),
/// which the events endpoint checks like any token of that integration (replay, revocation, scopes).
/// </summary>
public sealed class ClientCredentialsGrant(IntegrationRegistry integrations, ClientSecrets secrets, ClientRateLimiter limiter, OwnTokenIssuer issuer)
{
    private const string Unknown = ClientRateLimiter.UnknownClients;

    public async ValueTask<TokenGrant> GrantAsync(TokenRequest request, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(request.GrantType))
        {
            return new TokenGrant(ReasonCode.InvalidTokenRequest, Unknown, Unknown);
        }

        if (request.GrantType != ClientCredentialsToken.GrantType)
        {
            return new TokenGrant(ReasonCode.UnsupportedGrantType, Unknown, Unknown);
        }

        if (string.IsNullOrEmpty(request.ClientId) || string.IsNullOrEmpty(request.ClientSecret))
        {
            return new TokenGrant(ReasonCode.UnknownClient, Unknown, Unknown);
        }

        var integration = ClientId.IntegrationOf(request.ClientId) is { } name && integrations.TryGet(name, out var found) &&
            found.Verification == VerificationMethod.ClientCredentials ? found : null;

        // Locked out first: while locked, not even the secret is checked.
        var limitKey = integration is null ? Unknown : request.ClientId;
        if (limiter.RetryAfter(limitKey) is { } wait)
        {
            return new TokenGrant(ReasonCode.ClientRateLimited, integration?.Name ?? Unknown, Unknown) { RetryAfter = wait };
        }

        if (integration is null)
        {
            return Failed(ReasonCode.UnknownClient, Unknown, Unknown, limitKey);
        }

        switch (await secrets.CheckAsync(integration.Name, request.ClientId, request.ClientSecret, cancellationToken).ConfigureAwait(false))
        {
            case ClientSecretCheck.Unavailable:
                return new TokenGrant(ReasonCode.KeysUnavailable, integration.Name, Unknown);
            case ClientSecretCheck.UnknownClient:
                // The integration exists, this id is not its client's: counted with the other unknown ids.
                return Failed(ReasonCode.UnknownClient, integration.Name, Unknown, Unknown);
            case ClientSecretCheck.Mismatch:
                return Failed(ReasonCode.BadClientSecret, integration.Name, request.ClientId, limitKey);
        }

        limiter.Reset(limitKey);
        if (!TryGrantScopes(request.Scope, integration.AllowedScopes, out var scopes))
        {
            return new TokenGrant(ReasonCode.InvalidScope, integration.Name, request.ClientId);
        }

        var jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            var (token, kid) = await issuer.IssueWithIdAsync(
                ClientCredentialsToken.Issuer, ClientCredentialsToken.AudienceFor(integration.Name), request.ClientId, scopes, integration.AccessTokenLifetime, jti, cancellationToken).ConfigureAwait(false);
            return new TokenGrant(ReasonCode.Accepted, integration.Name, request.ClientId)
            {
                AccessToken = token,
                ExpiresIn = (int)integration.AccessTokenLifetime.TotalSeconds,
                Scope = string.Join(' ', scopes),
                Kid = kid,
                JtiHash = Inbound.JtiHash.Compute(jti),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ArgumentOutOfRangeException)
        {
            // No current signing key yet, or the store failed reading it: the caller retries (503).
            return new TokenGrant(ReasonCode.KeysUnavailable, integration.Name, request.ClientId);
        }
    }

    private TokenGrant Failed(ReasonCode reason, string integration, string clientId, string limitKey) =>
        new(reason, integration, clientId) { LockedOut = limiter.RecordFailure(limitKey) };

    /// <summary>RFC 6749 3.3: the requested scopes, each one allowed; none requested means every allowed one.</summary>
    internal static bool TryGrantScopes(string? requested, IReadOnlyList<string> allowed, out IReadOnlyList<string> granted)
    {
        if (string.IsNullOrEmpty(requested))
        {
            granted = allowed;
            return true;
        }

        var asked = requested.Split(' ');
        granted = asked;
        return asked.All(scope => scope.Length > 0 && allowed.Contains(scope, StringComparer.Ordinal)) &&
            asked.Distinct(StringComparer.Ordinal).Count() == asked.Length;
    }
}
