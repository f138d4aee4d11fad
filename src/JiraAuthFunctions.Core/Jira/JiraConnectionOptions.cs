namespace JiraAuthFunctions.Jira;

/// <summary>Outbound Jira connections over Atlassian OAuth 2.0 (3LO) (section <c>Jira</c>).</summary>
public sealed class JiraOptions
{
    public const string SectionName = "Jira";

    /// <summary>Connections by name; the name prefixes the connection's secrets (<c>jira-{name}-...</c>).</summary>
    public Dictionary<string, JiraConnectionOptions> Connections { get; set; } = new(StringComparer.Ordinal);
}

public sealed class JiraConnectionOptions
{
    /// <summary>The OAuth app's client id (not a secret). The client secret is the secret <c>jira-{name}-client-secret</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>Atlassian's token endpoint unless set (tests, proxies).</summary>
    public Uri TokenEndpoint { get; set; } = new("https://auth.atlassian.com/oauth/token");

    /// <summary>Renew when the access token has less than this left. Default 15 minutes (of Atlassian's 60).</summary>
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The time one run may spend on this connection, retries included; less than the 60 s lease. Default 40 s.</summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromSeconds(40);
}

/// <summary>The secret names of one connection.</summary>
public static class JiraSecretNames
{
    public static string ClientSecret(string connection) => $"jira-{connection}-client-secret";
    public static string RefreshToken(string connection) => $"jira-{connection}-refresh-token";
    public static string AccessToken(string connection) => $"jira-{connection}-access-token";
}
