using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Checks each connection's settings against its <see cref="JiraConnectionOptions.Auth"/> kind at start.
/// Every rule runs without short-circuiting, so one bad deployment shows every mistake; each message
/// names the full key and the fix. Secrets are never settings: a kind's secrets are in the secret store
/// under <see cref="JiraSecretNames"/>.
/// </summary>
public sealed class JiraConnectionOptionsValidator : IValidateOptions<JiraOptions>
{
    public ValidateOptionsResult Validate(string? name, JiraOptions options)
    {
        var errors = new List<string>();
        foreach (var (connection, settings) in options.Connections)
        {
            var key = $"{JiraOptions.SectionName}:Connections:{connection}";
            var kind = settings.Auth;
            if (!Enum.IsDefined(kind))
            {
                errors.Add($"{key}:Auth must be one of {string.Join(", ", Enum.GetNames<JiraAuthKind>())}; it is '{kind}'.");
                continue;
            }

            if (kind.HasTokenEndpoint() && string.IsNullOrWhiteSpace(settings.ClientId))
            {
                errors.Add($"{key}:ClientId is required for Auth {kind}: the {(kind == JiraAuthKind.OAuth3LO ? "OAuth app's" : "service account credential's")} client id (its secret is the secret {JiraSecretNames.ClientSecret(connection)}).");
            }

            if (!kind.HasTokenEndpoint() && !string.IsNullOrWhiteSpace(settings.ClientId))
            {
                errors.Add($"{key}:ClientId is not used by Auth {kind}: remove it.");
            }

            if (!kind.HasTokenEndpoint() && settings.TokenEndpoint is not null)
            {
                errors.Add($"{key}:TokenEndpoint is not used by Auth {kind}: remove it.");
            }

            if (kind.IsDataCenter())
            {
                if (settings.BaseUrl is null)
                {
                    errors.Add($"{key}:BaseUrl is required for Auth {kind}: the Data Center instance's base URL (e.g. https://jira.example.com/).");
                }

                if (!string.IsNullOrWhiteSpace(settings.CloudId))
                {
                    errors.Add($"{key}:CloudId is not used by Auth {kind} (Data Center is reached at BaseUrl): remove it.");
                }
            }
            else if (kind == JiraAuthKind.ApiToken)
            {
                if (string.IsNullOrWhiteSpace(settings.Email))
                {
                    errors.Add($"{key}:Email is required for Auth ApiToken: the e-mail of the account the API token belongs to (the token itself is the secret {JiraSecretNames.ApiToken(connection)}).");
                }

                if (settings.ApiBaseUrl is null && settings.BaseUrl is null && string.IsNullOrWhiteSpace(settings.CloudId))
                {
                    errors.Add($"{key}:CloudId is required for Auth ApiToken (scoped tokens reach https://api.atlassian.com/ex/jira/<cloudId>), or set BaseUrl to the site (https://<site>.atlassian.net/) for an unscoped token.");
                }
            }
            else
            {
                if (settings.ApiBaseUrl is null && string.IsNullOrWhiteSpace(settings.CloudId) && kind != JiraAuthKind.OAuth3LO)
                {
                    errors.Add($"{key}:CloudId is required for Auth {kind}: the site's cloud id (https://<site>.atlassian.net/_edge/tenant_info shows it); its REST API is https://api.atlassian.com/ex/jira/<cloudId>.");
                }

                if (settings.BaseUrl is not null)
                {
                    errors.Add($"{key}:BaseUrl is for Data Center kinds (and unscoped API tokens); Auth {kind} uses CloudId: remove it.");
                }
            }

            if (settings.BaseUrl is { } baseUrl && !IsHttpsOrLoopback(baseUrl))
            {
                errors.Add($"{key}:BaseUrl must be an absolute https URL (http only for loopback); it is '{baseUrl}'.");
            }

            if (settings.TokenEndpoint is { } endpoint && !IsHttpsOrLoopback(endpoint))
            {
                errors.Add($"{key}:TokenEndpoint must be an absolute https URL (http only for loopback); it is '{endpoint}'.");
            }

            if (kind != JiraAuthKind.ApiToken && !string.IsNullOrWhiteSpace(settings.Email))
            {
                errors.Add($"{key}:Email is used by Auth ApiToken only: remove it.");
            }

            if (settings.RefreshWebhooks && kind != JiraAuthKind.OAuth3LO)
            {
                errors.Add($"{key}:RefreshWebhooks needs Auth OAuth3LO: Jira keeps dynamic webhooks for Connect and OAuth 2.0 (3LO) apps only.");
            }

            for (var i = 0; i < settings.RequiredScopes.Count; i++)
            {
                var scope = settings.RequiredScopes[i];
                if (string.IsNullOrWhiteSpace(scope) || scope.Any(char.IsWhiteSpace))
                {
                    errors.Add($"{key}:RequiredScopes:{i} must be one scope without spaces (e.g. write:jira-work, or WRITE on Data Center); it is '{scope}'.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpsOrLoopback(Uri uri) => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
