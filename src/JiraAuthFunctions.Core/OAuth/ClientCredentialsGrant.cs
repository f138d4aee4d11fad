using System.Security.Cryptography;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

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

    /// <summary>For a request that passed every check: the scopes the token carries.</summary>
    public IReadOnlyList<string> GrantedScopes { get; init; } = [];

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
/// the grant type, the client (id, secret, failure limit), the scope, then an ES256 access token signed
/// with the app's current key for the integration's audience (<see cref="ClientCredentialsToken"/>),
/// which the events endpoint checks like any token of that integration (replay, revocation, scopes).
/// </summary>
public sealed class ClientCredentialsGrant(IntegrationRegistry integrations, ClientSecrets secrets, ClientRateLimiter limiter, OwnTokenIssuer issuer)
{
    private const string Unknown = ClientRateLimiter.UnknownClients;

    public async ValueTask<TokenGrant> GrantAsync(TokenRequest request, CancellationToken cancellationToken = default)
    {
        var (check, integration) = await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        if (integration is null)
        {
            return check;
        }

        var jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            var (token, kid) = await issuer.IssueWithIdAsync(
                ClientCredentialsToken.Issuer, ClientCredentialsToken.AudienceFor(integration.Name), check.ClientId, check.GrantedScopes, integration.AccessTokenLifetime, jti, cancellationToken).ConfigureAwait(false);
            return check with
            {
                AccessToken = token,
                ExpiresIn = (int)integration.AccessTokenLifetime.TotalSeconds,
                Kid = kid,
                JtiHash = Replay.JtiHash.Compute(jti),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ArgumentOutOfRangeException)
        {
            // No current signing key yet, or the store failed reading it: the caller retries (503).
            return new TokenGrant(ReasonCode.KeysUnavailable, integration.Name, check.ClientId);
        }
    }

    /// <summary>
    /// Every check of a token request, without issuing a token (<c>jiraauth check</c> runs this alone):
    /// <see cref="ReasonCode.Accepted"/> with the granted scopes, or why not. Failures count towards the
    /// client's limit (<see cref="ClientRateLimiter"/>) in this process's limiter.
    /// </summary>
    public async ValueTask<TokenGrant> CheckAsync(TokenRequest request, CancellationToken cancellationToken = default) =>
        (await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false)).Grant;

    // The checks; the integration only when every one passed.
    private async ValueTask<(TokenGrant Grant, Integration? Integration)> AuthorizeAsync(TokenRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.GrantType))
        {
            return (new TokenGrant(ReasonCode.InvalidTokenRequest, Unknown, Unknown), null);
        }

        if (request.GrantType != ClientCredentialsToken.GrantType)
        {
            return (new TokenGrant(ReasonCode.UnsupportedGrantType, Unknown, Unknown), null);
        }

        if (string.IsNullOrEmpty(request.ClientId) || string.IsNullOrEmpty(request.ClientSecret))
        {
            return (new TokenGrant(ReasonCode.UnknownClient, Unknown, Unknown), null);
        }

        var integration = ClientId.IntegrationOf(request.ClientId) is { } name && integrations.TryGet(name, out var found) &&
            found.Verification == VerificationMethod.ClientCredentials ? found : null;
        if (integration is null)
        {
            return (Failed(ReasonCode.UnknownClient, Unknown, Unknown, Unknown), null);
        }

        // The secret is checked even while the client is over its failure limit: the secret is the
        // only thing that tells the real client from someone who knows its id, so a locked-out
        // client id refuses wrong secrets (429) but never the right one. Nobody can lock a rule out.
        switch (await secrets.CheckAsync(integration.Name, request.ClientId, request.ClientSecret, cancellationToken).ConfigureAwait(false))
        {
            case ClientSecretCheck.Unavailable:
                return (new TokenGrant(ReasonCode.KeysUnavailable, integration.Name, Unknown), null);
            case ClientSecretCheck.UnknownClient:
                // The integration exists, this id is not its client's: counted with the other unknown ids.
                return (Failed(ReasonCode.UnknownClient, integration.Name, Unknown, Unknown), null);
            case ClientSecretCheck.Mismatch:
                return (Failed(ReasonCode.BadClientSecret, integration.Name, request.ClientId, request.ClientId), null);
        }

        limiter.Reset(request.ClientId);
        return TryGrantScopes(request.Scope, integration.AllowedScopes, out var scopes)
            ? (new TokenGrant(ReasonCode.Accepted, integration.Name, request.ClientId) { GrantedScopes = scopes, Scope = string.Join(' ', scopes) }, integration)
            : (new TokenGrant(ReasonCode.InvalidScope, integration.Name, request.ClientId), null);
    }

    // Over the limit: 429 (the failure is not counted again, so the window ends on its own time);
    // otherwise the failure counts, and the one that reaches the limit says so (event 287).
    private TokenGrant Failed(ReasonCode reason, string integration, string clientId, string limitKey) =>
        limiter.RetryAfter(limitKey) is { } wait
            ? new TokenGrant(ReasonCode.ClientRateLimited, integration, clientId) { RetryAfter = wait }
            : new TokenGrant(reason, integration, clientId) { LockedOut = limiter.RecordFailure(limitKey) };

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
