namespace JiraAuthFunctions.Jira;

/// <summary>
/// How a connection with a token endpoint obtains a new access token: one implementation per grant.
/// Each names the secret the endpoint may refuse (tagged <see cref="JiraConnectionStates.RefusedTag"/>
/// when it does, so every instance stops until a person stores a new version) and the state that follows.
/// </summary>
internal abstract class JiraTokenGrant
{
    /// <summary>The grant of <paramref name="kind"/>, or null for a kind without a token endpoint.</summary>
    public static JiraTokenGrant? For(JiraAuthKind kind) => kind switch
    {
        JiraAuthKind.OAuth3LO => RefreshTokenGrant.Instance,
        JiraAuthKind.ServiceAccount or JiraAuthKind.DataCenterServiceAccount => ClientCredentialsGrant.Instance,
        _ => null,
    };

    /// <summary>The secret the token endpoint can refuse: the refresh token (3LO) or the client secret (client credentials).</summary>
    public abstract string RefusableSecretName(string connection);

    /// <summary>The connection's state once that secret was refused.</summary>
    public abstract string RefusedState { get; }

    /// <summary>What a person must do once it was refused (for the log line).</summary>
    public abstract string Remedy(string connection);

    /// <summary>The request asks for <see cref="JiraConnectionOptions.RequiredScopes"/> (so an answer without <c>scope</c> granted them).</summary>
    public abstract bool RequestsScopes(JiraConnectionOptions connection);

    public abstract Task<TokenRefresh> RequestAsync(AtlassianTokenClient tokens, JiraConnectionOptions connection, string clientSecret, string refusable, CancellationToken cancellationToken);

    /// <summary>
    /// Atlassian OAuth 2.0 (3LO) with rotating refresh tokens: each answer carries a new refresh token,
    /// stored before anything else. https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
    /// </summary>
    private sealed class RefreshTokenGrant : JiraTokenGrant
    {
        public static readonly RefreshTokenGrant Instance = new();

        public override string RefusableSecretName(string connection) => JiraSecretNames.RefreshToken(connection);

        public override string RefusedState => JiraConnectionStates.ReauthorizationRequired;

        public override string Remedy(string connection) => $"A Jira admin must authorize the app again and store the new refresh token as {JiraSecretNames.RefreshToken(connection)}.";

        // A refresh keeps the consent's scopes; Atlassian's answer says which they are.
        public override bool RequestsScopes(JiraConnectionOptions connection) => false;

        public override Task<TokenRefresh> RequestAsync(AtlassianTokenClient tokens, JiraConnectionOptions connection, string clientSecret, string refusable, CancellationToken cancellationToken) =>
            tokens.RefreshAsync(connection.TokenUri, connection.ClientId!, clientSecret, refusable, cancellationToken);
    }

    /// <summary>
    /// OAuth 2.0 client credentials (RFC 6749 section 4.4) of a Cloud or Data Center service account;
    /// no refresh token: a new access token is asked for with the same credential each time.
    /// Cloud: the credential's scopes are chosen when it is created, so none are sent.
    /// Data Center: <c>scope</c> is a documented parameter, so the required scopes are asked for.
    /// </summary>
    private sealed class ClientCredentialsGrant : JiraTokenGrant
    {
        public static readonly ClientCredentialsGrant Instance = new();

        public override string RefusableSecretName(string connection) => JiraSecretNames.ClientSecret(connection);

        public override string RefusedState => JiraConnectionStates.CredentialRefused;

        public override string Remedy(string connection) => $"Create a new OAuth 2.0 credential for the service account and store its secret as {JiraSecretNames.ClientSecret(connection)} (and its id as ClientId).";

        public override bool RequestsScopes(JiraConnectionOptions connection) => connection.Auth.IsDataCenter() && connection.RequiredScopes.Count > 0;

        public override Task<TokenRefresh> RequestAsync(AtlassianTokenClient tokens, JiraConnectionOptions connection, string clientSecret, string refusable, CancellationToken cancellationToken) =>
            tokens.ClientCredentialsAsync(connection.TokenUri, connection.ClientId!, clientSecret, RequestsScopes(connection) ? connection.RequiredScopes : [], cancellationToken);
    }
}
