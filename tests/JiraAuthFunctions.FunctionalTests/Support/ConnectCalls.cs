using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// What Atlassian sends a Connect app, built in the test independently of the app's code: Connect
/// JWTs (HS256 with a tenant's secret, RS256 with an install key), lifecycle payloads, and the
/// qsh of a canonical request the test writes out by hand (hashed here with SHA-256).
/// </summary>
public static class ConnectCalls
{
    /// <summary>The Connect integration of the attack app and the descriptor's baseUrl.</summary>
    public const string App = "conn";
    public const string BaseUrl = "https://connect.example.test/api/connect/conn";
    public const string AppPath = "/api/connect/conn";

    /// <summary>A webhook URL of the descriptor (relative <c>/events/issue-created</c>), with a query as Jira adds one.</summary>
    public const string EventPath = AppPath + "/events/issue-created?user_id=5b10a&issue_key=OPS-1";
    public const string EventCanonical = "POST&/events/issue-created&issue_key=OPS-1&user_id=5b10a";

    /// <summary>A route configured in ContextQshRoutes.</summary>
    public const string PanelPath = AppPath + "/events/panel";

    public static Dictionary<string, string?> Settings(Uri installKeys) => new()
    {
        [$"Inbound:Integrations:{App}:Verification"] = "Connect",
        [$"Inbound:Integrations:{App}:BaseUrl"] = BaseUrl,
        [$"Inbound:Integrations:{App}:InstallKeysBaseUrl"] = installKeys.ToString(),
        [$"Inbound:Integrations:{App}:ContextQshRoutes:0"] = "/events/panel",
    };

    public static string Qsh(string canonicalRequest) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    /// <summary>Claims of a Connect token from Jira: iss (clientKey), sub, iat, exp (+3 min, as Jira issues them), qsh.</summary>
    public static Dictionary<string, object?> Claims(DateTimeOffset now, string clientKey, string qsh) => new()
    {
        ["iss"] = clientKey,
        ["sub"] = "557058:f0e1d2c3",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
        ["qsh"] = qsh,
        ["context"] = new Dictionary<string, object?>(),
    };

    /// <summary>A lifecycle token signed as Atlassian signs a signed install: RS256, kid, aud = baseUrl.</summary>
    public static Dictionary<string, object?> LifecycleClaims(DateTimeOffset now, string clientKey, string lifecycle, string audience = BaseUrl)
    {
        var claims = Claims(now, clientKey, Qsh($"POST&/{lifecycle}&"));
        claims["aud"] = new[] { audience };
        return claims;
    }

    public static string Hs(Dictionary<string, object?> claims, string secret, string alg = "HS256") =>
        TestTokens.Create(new Dictionary<string, object?> { ["typ"] = "JWT", ["alg"] = alg }, claims, alg == "none" ? null : TestTokens.Hmac(secret, alg));

    public static string Rs(Dictionary<string, object?> claims, RSA key, string kid) =>
        TestTokens.Create(new Dictionary<string, object?> { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = kid }, claims, TestTokens.Rsa(key));

    /// <summary>The body of an installed or uninstalled call, as Atlassian sends it.</summary>
    public static string Payload(string clientKey, string? sharedSecret, string lifecycle, string site = "https://tenant-site.atlassian.net")
    {
        var payload = new Dictionary<string, object?>
        {
            ["key"] = "com.example.jira-auth-functions",
            ["clientKey"] = clientKey,
            ["publicKey"] = "MIIBIjANBgkqh",
            ["baseUrl"] = site,
            ["displayUrl"] = site,
            ["productType"] = "jira",
            ["description"] = "Atlassian JIRA at " + site,
            ["serverVersion"] = "100250",
            ["pluginsVersion"] = "1001.0.0-SNAPSHOT",
            ["oauthClientId"] = "oZbU2P3r8Zyx3UAv9Yyyv2xJGJH1uqHn",
            ["serviceEntitlementNumber"] = "SEN-L12345",
            ["eventType"] = lifecycle,
        };
        if (sharedSecret is not null)
        {
            payload["sharedSecret"] = sharedSecret;
        }

        return JsonSerializer.Serialize(payload);
    }

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>POST to a path (with its query) with the Authorization header exactly as given and an invocation id to find its log line.</summary>
    public static async Task<Reply> PostAsync(HttpClient client, string pathAndQuery, string? authorization, string body, string invocationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }

        request.Headers.Add(TestRequestIds.Header, invocationId);
        using var response = await client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
        return new Reply((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }
}
