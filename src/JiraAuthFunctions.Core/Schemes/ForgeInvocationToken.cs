namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The fixed profile of a Forge Invocation Token (FIT), the bearer token Forge sends with every
/// Forge Remote call: RS256, signed by Atlassian with keys from Forge's JWKS, issuer
/// <c>forge/invocation-token</c>, audience the app's id. These are Forge's, not ours to
/// configure, so a <see cref="VerificationMethod.Forge"/> integration sets only its app id.
/// </summary>
public static class ForgeInvocationToken
{
    public const string Issuer = "forge/invocation-token";

    public const string Algorithm = "RS256";

    /// <summary>The prefix of a Forge app's ARI; a UUID follows.</summary>
    public const string AppIdPrefix = "ari:cloud:ecosystem::app/";

    /// <summary>Forge's production JWKS (Atlassian's Forge Remote documentation names this URL).</summary>
    public static readonly Uri ProductionJwksUri = new("https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json");

    /// <summary>Whether <paramref name="value"/> is <c>ari:cloud:ecosystem::app/&lt;uuid&gt;</c> with a lower-case hyphenated UUID.</summary>
    public static bool IsAppId(string? value)
    {
        if (value is null || !value.StartsWith(AppIdPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var uuid = value.AsSpan(AppIdPrefix.Length);
        return Guid.TryParseExact(uuid, "D", out _) && !uuid.ContainsAnyInRange('A', 'F');
    }

    /// <summary>Issuers, audience and algorithms a Forge integration checks tokens against.</summary>
    internal static (IReadOnlyList<string> Issuers, string Audience, IReadOnlyList<string> Algorithms) Profile(string appId) =>
        ([Issuer], appId, [Algorithm]);
}
