namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Claims shaped like a Forge invocation token (Atlassian's Forge Remote contract): the app
/// (id, installation, environment, module, version), the invocation context, the principal, and
/// the standard iss/aud/iat/nbf/exp/jti. Signed by the tests with their own RSA keys.
/// </summary>
public static class ForgeTokens
{
    public const string AppId = "ari:cloud:ecosystem::app/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    public const string OtherAppId = "ari:cloud:ecosystem::app/0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
    public const string InstallationId = "ari:cloud:ecosystem::installation/2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5e7a";
    public const string EnvironmentId = "ari:cloud:ecosystem::environment/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d";
    public const string AccountId = "5b10a2844c20165700ede21g";
    public const string CloudId = "4a6c8e0b-2d4f-4b6d-8f0a-c2e4a6c8e0b2";

    public static Dictionary<string, object?> Claims(DateTimeOffset now, string appId = AppId) => new()
    {
        ["app"] = App(appId),
        ["context"] = new Dictionary<string, object?> { ["cloudId"] = CloudId, ["moduleKey"] = "jira-events-remote" },
        ["principal"] = AccountId,
        ["aud"] = appId,
        ["iss"] = "forge/invocation-token",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
        ["jti"] = Guid.NewGuid().ToString("N"),
    };

    public static Dictionary<string, object?> App(string appId = AppId) => new()
    {
        ["installationId"] = InstallationId,
        ["apiBaseUrl"] = $"https://api.atlassian.com/ex/jira/{CloudId}",
        ["id"] = appId,
        ["appVersion"] = "3.1.0",
        ["environment"] = new Dictionary<string, object?> { ["type"] = "PRODUCTION", ["id"] = EnvironmentId },
        ["module"] = new Dictionary<string, object?> { ["type"] = "xen:core:remote", ["key"] = "jira-events-remote" },
        ["license"] = new Dictionary<string, object?> { ["isActive"] = true },
    };
}
