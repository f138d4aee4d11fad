namespace JiraAuthFunctions.Jira;

/// <summary>Outbound Jira connections, each authenticated as its <see cref="JiraConnectionOptions.Auth"/> says (section <c>Jira</c>).</summary>
public sealed class JiraOptions
{
    public const string SectionName = "Jira";

    /// <summary>Connections by name; the name prefixes the connection's secrets (<c>jira-{name}-...</c>).</summary>
    public Dictionary<string, JiraConnectionOptions> Connections { get; set; } = new(StringComparer.Ordinal);
}

public sealed class JiraConnectionOptions
{
    /// <summary>Atlassian's token endpoint for 3LO apps and cloud service accounts.</summary>
    public static readonly Uri AtlassianTokenEndpoint = new("https://auth.atlassian.com/oauth/token");

    /// <summary>How the connection authenticates; default <see cref="JiraAuthKind.OAuth3LO"/> (today's connections).</summary>
    public JiraAuthKind Auth { get; set; } = JiraAuthKind.OAuth3LO;

    /// <summary>The OAuth app's or service account's client id (not a secret). The client secret is the secret <c>jira-{name}-client-secret</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// The token endpoint unless the kind's own (tests, proxies): Atlassian's for cloud kinds,
    /// <c>{BaseUrl}/rest/oauth2/latest/token</c> for <see cref="JiraAuthKind.DataCenterServiceAccount"/>.
    /// </summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>
    /// The Jira Data Center instance's base URL (e.g. <c>https://jira.example.com/</c>, with its context path),
    /// for the Data Center kinds; for <see cref="JiraAuthKind.ApiToken"/>, the site URL
    /// (<c>https://your-site.atlassian.net/</c>) when the token is not a scoped one (those use <see cref="CloudId"/>).
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>For <see cref="JiraAuthKind.ApiToken"/>: the e-mail of the account the token belongs to (Basic user name; not a secret).</summary>
    public string? Email { get; set; }

    /// <summary>
    /// The scopes this connection's work needs. A token response whose granted <c>scope</c> lacks one
    /// stops the connection at renewal (reason <c>scope_missing</c>). API tokens and PATs say nothing of
    /// their scopes: health reports them as not verifiable.
    /// </summary>
    public List<string> RequiredScopes { get; set; } = [];

    /// <summary>The token endpoint this connection's kind uses.</summary>
    public Uri TokenUri => TokenEndpoint
        ?? (Auth == JiraAuthKind.DataCenterServiceAccount && BaseUrl is not null ? new Uri(WithSlash(BaseUrl), "rest/oauth2/latest/token") : AtlassianTokenEndpoint);

    /// <summary>Renew when the access token has less than this left. Default 15 minutes (of Atlassian's 60).</summary>
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The time one run may spend on this connection, retries included; less than the 60 s lease. Default 40 s.</summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>The Jira site's cloud id: an OAuth 2.0 app reaches its REST API at <c>https://api.atlassian.com/ex/jira/{cloudId}</c>.</summary>
    public string? CloudId { get; set; }

    /// <summary>The REST API base instead of the one from <see cref="CloudId"/> (tests, proxies).</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>Keep this app's dynamic webhooks alive: the credentials job extends those near their 30-day expiry. Default off.</summary>
    public bool RefreshWebhooks { get; set; }

    /// <summary>Extend a webhook when it has less than this left. Default 10 days of Jira's 30, so a few failing days are survived.</summary>
    public TimeSpan WebhookRefreshBefore { get; set; } = TimeSpan.FromDays(10);

    /// <summary>Pacing and retry budget of this connection's REST calls (docs/rate-limits.md).</summary>
    public JiraRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Where the REST API is: <see cref="ApiBaseUrl"/>, else <see cref="BaseUrl"/>, else the api.atlassian.com base of <see cref="CloudId"/>; null when none is set.</summary>
    public Uri? RestBaseUrl => ApiBaseUrl ?? (BaseUrl is not null ? WithSlash(BaseUrl) : string.IsNullOrEmpty(CloudId) ? null : new Uri($"https://api.atlassian.com/ex/jira/{Uri.EscapeDataString(CloudId)}/"));

    // Relative URIs resolve under the last '/': a context path (https://host/jira) must keep its segment.
    private static Uri WithSlash(Uri uri) => !uri.IsAbsoluteUri || uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}

/// <summary>
/// Checks the webhook settings of <see cref="JiraOptions"/> at start; every rule runs, each message names
/// the full key and the fix.
/// </summary>
public sealed class JiraWebhookOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<JiraOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, JiraOptions options)
    {
        var errors = new List<string>();
        foreach (var (connection, settings) in options.Connections)
        {
            var key = $"{JiraOptions.SectionName}:Connections:{connection}";
            if (settings.ApiBaseUrl is { } api && (!api.IsAbsoluteUri || (api.Scheme != Uri.UriSchemeHttps && !api.IsLoopback)))
            {
                errors.Add($"{key}:ApiBaseUrl must be an absolute https URL (http only for loopback); it is '{api}'.");
            }

            if (!settings.RefreshWebhooks)
            {
                continue;
            }

            if (settings.ApiBaseUrl is null && string.IsNullOrWhiteSpace(settings.CloudId))
            {
                errors.Add($"{key}:CloudId is required when RefreshWebhooks is true: the site's cloud id (GET https://api.atlassian.com/oauth/token/accessible-resources lists it), or set ApiBaseUrl.");
            }

            if (settings.WebhookRefreshBefore < TimeSpan.FromDays(1) || settings.WebhookRefreshBefore > TimeSpan.FromDays(29))
            {
                errors.Add($"{key}:WebhookRefreshBefore must be between 1.00:00:00 and 29.00:00:00 (Jira extends to 30 days); it is {settings.WebhookRefreshBefore}.");
            }
        }

        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The secret names of one connection.</summary>
public static class JiraSecretNames
{
    public static string ClientSecret(string connection) => $"jira-{connection}-client-secret";
    public static string RefreshToken(string connection) => $"jira-{connection}-refresh-token";
    public static string AccessToken(string connection) => $"jira-{connection}-access-token";

    /// <summary>An <see cref="JiraAuthKind.ApiToken"/> connection's API token; its expiry attribute is the token's.</summary>
    public static string ApiToken(string connection) => $"jira-{connection}-api-token";

    /// <summary>A <see cref="JiraAuthKind.DataCenterPat"/> connection's personal access token; its expiry attribute is the token's.</summary>
    public static string PersonalAccessToken(string connection) => $"jira-{connection}-pat";
}
