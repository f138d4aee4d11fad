namespace JiraAuthFunctions.Jira;

/// <summary>How a Jira connection authenticates its REST calls (<c>Jira:Connections:&lt;name&gt;:Auth</c>).</summary>
public enum JiraAuthKind
{
    /// <summary>
    /// Atlassian Cloud OAuth 2.0 (3LO) with rotating refresh tokens: secrets <c>jira-{name}-client-secret</c>,
    /// <c>jira-{name}-refresh-token</c>; the job keeps <c>jira-{name}-access-token</c> fresh.
    /// https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
    /// </summary>
    OAuth3LO = 0,

    /// <summary>
    /// An Atlassian Cloud service account's OAuth 2.0 credential (client credentials grant at
    /// https://auth.atlassian.com/oauth/token, tokens valid 60 minutes, REST at
    /// https://api.atlassian.com/ex/jira/{cloudId}): secret <c>jira-{name}-client-secret</c>.
    /// https://support.atlassian.com/user-management/docs/create-oauth-2-0-credential-for-service-accounts/
    /// </summary>
    ServiceAccount,

    /// <summary>
    /// HTTP Basic with an Atlassian account's e-mail and API token (a service account's scoped token
    /// included): secret <c>jira-{name}-api-token</c>, whose expiry attribute is the token's expiry
    /// (at most one year since December 2024).
    /// https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/
    /// </summary>
    ApiToken,

    /// <summary>
    /// Jira Data Center personal access token, sent as <c>Authorization: Bearer</c>: secret
    /// <c>jira-{name}-pat</c>, whose expiry attribute is the token's expiry.
    /// https://confluence.atlassian.com/enterprise/using-personal-access-tokens-1026032365.html
    /// </summary>
    DataCenterPat,

    /// <summary>
    /// A Jira Data Center service account: OAuth 2.0 client credentials against the instance's own
    /// <c>{BaseUrl}/rest/oauth2/latest/token</c> (no refresh tokens; tokens valid about an hour):
    /// secret <c>jira-{name}-client-secret</c>.
    /// https://confluence.atlassian.com/enterprise/service-accounts-overview-1627095923.html
    /// </summary>
    DataCenterServiceAccount,
}

/// <summary>What each kind needs; the one place that knows the kinds' shapes (validation, defaults).</summary>
public static class JiraAuthKinds
{
    /// <summary>Self-managed Jira: reached at <see cref="JiraConnectionOptions.BaseUrl"/>, no cloud id.</summary>
    public static bool IsDataCenter(this JiraAuthKind kind) => kind is JiraAuthKind.DataCenterPat or JiraAuthKind.DataCenterServiceAccount;

    /// <summary>The kind obtains short-lived access tokens from a token endpoint with a client id and secret.</summary>
    public static bool HasTokenEndpoint(this JiraAuthKind kind) => kind is JiraAuthKind.OAuth3LO or JiraAuthKind.ServiceAccount or JiraAuthKind.DataCenterServiceAccount;

    /// <summary>
    /// The token endpoint says which scopes it granted (the <c>scope</c> member of a token response);
    /// an API token or a PAT carries no such statement, so its scopes are not verifiable.
    /// </summary>
    public static bool ScopesVerifiable(this JiraAuthKind kind) => kind.HasTokenEndpoint();
}
