using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>Configuration keys for integrations the functional tests start the app with.</summary>
public static class Integrations
{
    /// <summary>
    /// A PublicKeys integration with one key, given as PEM or as a JWK. The key's algorithm is
    /// <paramref name="keyAlgorithm"/>, else the one algorithm of <paramref name="algorithms"/>.
    /// </summary>
    public static Dictionary<string, string?> PublicKey(string name, string algorithms, string? kid, string? pem = null, string? jwk = null, string? keyAlgorithm = null) =>
        PublicKeys(name, algorithms, (kid, keyAlgorithm ?? (algorithms.Contains(',', StringComparison.Ordinal) ? null : algorithms), pem, jwk));

    /// <summary>A PublicKeys integration with these keys, each with its kid, algorithm (PublicKeys:i:Algorithm), PEM or JWK.</summary>
    public static Dictionary<string, string?> PublicKeys(string name, string algorithms, params (string? Kid, string? Algorithm, string? Pem, string? Jwk)[] keys)
    {
        var settings = Bearer(name, "PublicKeys", algorithms);
        var prefix = $"Inbound:Integrations:{name}";
        for (var k = 0; k < keys.Length; k++)
        {
            settings[$"{prefix}:PublicKeys:{k}:Kid"] = keys[k].Kid;
            settings[$"{prefix}:PublicKeys:{k}:Algorithm"] = keys[k].Algorithm;
            settings[$"{prefix}:PublicKeys:{k}:Pem"] = keys[k].Pem;
            settings[$"{prefix}:PublicKeys:{k}:Jwk"] = keys[k].Jwk;
        }

        return settings.Where(s => s.Value is not null).ToDictionary();
    }

    /// <summary>A Jwks integration with its key set at <paramref name="jwksUri"/> (loopback http).</summary>
    public static Dictionary<string, string?> Jwks(string name, string algorithms, Uri jwksUri)
    {
        var settings = Bearer(name, "Jwks", algorithms);
        settings[$"Inbound:Integrations:{name}:JwksUri"] = jwksUri.ToString();
        return settings;
    }

    private static Dictionary<string, string?> Bearer(string name, string verification, string algorithms)
    {
        var prefix = $"Inbound:Integrations:{name}";
        var settings = new Dictionary<string, string?>
        {
            [$"{prefix}:Verification"] = verification,
            [$"{prefix}:Issuers:0"] = TestTokens.Issuer,
            [$"{prefix}:Audience"] = TestTokens.Audience,
            [$"{prefix}:RequiredScopes:0"] = "events:write",
        };
        var i = 0;
        foreach (var alg in algorithms.Split(','))
        {
            settings[$"{prefix}:Algorithms:{i++}"] = alg;
        }

        return settings;
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
