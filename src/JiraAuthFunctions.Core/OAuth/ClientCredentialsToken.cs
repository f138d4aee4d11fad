namespace JiraAuthFunctions.OAuth;

/// <summary>
/// The claims profile of an access token from the token endpoint, fixed by the app so that the issuer
/// and the verifier cannot drift apart: the one issuer, ES256 with the app's signing keys, and an
/// audience per integration, so a token issued for one integration is refused by every other one.
/// </summary>
public static class ClientCredentialsToken
{
    public const string Issuer = "jira-auth-functions/oauth";
    public const string Algorithm = "ES256";
    public const string GrantType = "client_credentials";

    /// <summary>The <c>aud</c> of an access token for <paramref name="integration"/>.</summary>
    public static string AudienceFor(string integration) => $"jira-auth-functions/events/{integration}";

    /// <summary>Issuer, audience and algorithm as an integration checks them.</summary>
    public static (IReadOnlyList<string> Issuers, string Audience, IReadOnlyList<string> Algorithms) Profile(string integration) =>
        ([Issuer], AudienceFor(integration), [Algorithm]);
}
