using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>Configuration keys for integrations the functional tests start the app with.</summary>
public static class Integrations
{
    /// <summary>A PublicKeys integration with one key, given as PEM or as a JWK.</summary>
    public static Dictionary<string, string?> PublicKey(string name, string algorithms, string? kid, string? pem = null, string? jwk = null)
    {
        var prefix = $"Inbound:Integrations:{name}";
        var settings = new Dictionary<string, string?>
        {
            [$"{prefix}:Verification"] = "PublicKeys",
            [$"{prefix}:Issuers:0"] = TestTokens.Issuer,
            [$"{prefix}:Audience"] = TestTokens.Audience,
            [$"{prefix}:RequiredScopes:0"] = "events:write",
            [$"{prefix}:PublicKeys:0:Kid"] = kid,
            [$"{prefix}:PublicKeys:0:Pem"] = pem,
            [$"{prefix}:PublicKeys:0:Jwk"] = jwk,
        };
        var i = 0;
        foreach (var alg in algorithms.Split(','))
        {
            settings[$"{prefix}:Algorithms:{i++}"] = alg;
        }

        return settings.Where(s => s.Value is not null).ToDictionary();
    }

    /// <summary>An OAuthApp integration (Jira's dynamic webhooks) over a Jira connection, which is configured with it.</summary>
    public static Dictionary<string, string?> OAuthApp(string name, string connection, string clientId = "functional-client-id") => new()
    {
        [$"Inbound:Integrations:{name}:Verification"] = "OAuthApp",
        [$"Inbound:Integrations:{name}:JiraConnection"] = connection,
        [$"Jira:Connections:{connection}:ClientId"] = clientId,
    };

    /// <summary>A WebhookSecret integration: its secret (inbound-{name}) is put into the store by the test.</summary>
    public static Dictionary<string, string?> WebhookSecret(string name) => new()
    {
        [$"Inbound:Integrations:{name}:Verification"] = "WebhookSecret",
    };

    /// <summary>A Forge integration for the app id, with its JWKS at <paramref name="jwksUri"/> instead of Forge's.</summary>
    public static Dictionary<string, string?> Forge(string name, string appId, Uri jwksUri) => new()
    {
        [$"Inbound:Integrations:{name}:Verification"] = "Forge",
        [$"Inbound:Integrations:{name}:AppId"] = appId,
        [$"Inbound:Integrations:{name}:JwksUri"] = jwksUri.ToString(),
    };

    /// <summary>A ClientCredentials integration: access tokens from the app's token endpoint; the client is created by the test (jiraauth client create).</summary>
    public static Dictionary<string, string?> ClientCredentials(string name, string replay = "PerRequest") => new()
    {
        [$"Inbound:Integrations:{name}:Verification"] = "ClientCredentials",
        [$"Inbound:Integrations:{name}:RequiredScopes:0"] = "events:write",
        [$"Inbound:Integrations:{name}:AllowedScopes:0"] = "events:write",
        [$"Inbound:Integrations:{name}:AllowedScopes:1"] = "events:read",
        [$"Inbound:Integrations:{name}:Replay"] = replay,
    };

    public static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts) =>
        parts.SelectMany(p => p).ToDictionary();
}
