using JiraAuthFunctions.Jira;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// At start: every <see cref="VerificationMethod.OAuthApp"/> integration names a configured Jira
/// connection, so a typo is a start failure naming the key rather than a 401 on every webhook.
/// Kept apart from <see cref="InboundOptionsValidator"/>, which sees the Inbound section only.
/// </summary>
public sealed class OAuthAppConnectionsValidator(IOptions<JiraOptions> jira) : IValidateOptions<InboundOptions>
{
    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        var errors = new List<string>();
        foreach (var (integration, settings) in options.Integrations)
        {
            if (settings.Verification == VerificationMethod.OAuthApp &&
                !string.IsNullOrWhiteSpace(settings.JiraConnection) &&
                !jira.Value.Connections.ContainsKey(settings.JiraConnection))
            {
                errors.Add($"{InboundOptions.SectionName}:Integrations:{integration}:JiraConnection '{settings.JiraConnection}' is not configured: add {JiraOptions.SectionName}:Connections:{settings.JiraConnection}:ClientId (the OAuth app's client id).");
            }
            else if (settings.Verification == VerificationMethod.OAuthApp &&
                !string.IsNullOrWhiteSpace(settings.JiraConnection) &&
                jira.Value.Connections[settings.JiraConnection].Auth != JiraAuthKind.OAuth3LO)
            {
                // Jira signs an OAuth 2.0 app's webhooks with the app's client secret: only a 3LO app has one.
                errors.Add($"{InboundOptions.SectionName}:Integrations:{integration}:JiraConnection '{settings.JiraConnection}' must be an OAuth3LO connection (Jira signs webhooks with the OAuth app's client secret); it is {jira.Value.Connections[settings.JiraConnection].Auth}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
