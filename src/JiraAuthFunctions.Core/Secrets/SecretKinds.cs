using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// What a secret is for, as a metric tag. Metrics are tagged by kind, never by name: names carry
/// integration and connection names chosen by admins, and a tag per name would let the series
/// grow without bound. The set is closed: anything unrecognised is <see cref="Other"/>.
/// </summary>
public sealed class SecretKinds
{
    public const string SharedSecret = "shared_secret";
    public const string SigningKey = "signing_key";
    public const string JiraClientSecret = "jira_client_secret";
    public const string JiraRefreshToken = "jira_refresh_token";
    public const string JiraAccessToken = "jira_access_token";
    public const string OAuthClientSecret = "oauth_client_secret";
    public const string Other = "other";

    private readonly HashSet<string> _sharedSecretNames;
    private readonly string _signingKeyName;

    public SecretKinds(InboundOptions inbound, SigningKeyOptions signing)
    {
        _sharedSecretNames = inbound.Integrations
            .Where(i => i.Value.Verification == VerificationMethod.SharedSecret)
            .Select(i => i.Value.SharedSecretName ?? SecretNames.ForIntegration(i.Key))
            .ToHashSet(StringComparer.Ordinal);
        _signingKeyName = signing.SecretName;
    }

    public string Of(string secretName) => secretName switch
    {
        _ when string.Equals(secretName, _signingKeyName, StringComparison.Ordinal) => SigningKey,
        _ when _sharedSecretNames.Contains(secretName) || secretName.StartsWith("inbound-", StringComparison.Ordinal) => SharedSecret,
        _ when secretName.StartsWith("jira-", StringComparison.Ordinal) && secretName.EndsWith("-client-secret", StringComparison.Ordinal) => JiraClientSecret,
        _ when secretName.StartsWith("jira-", StringComparison.Ordinal) && secretName.EndsWith("-refresh-token", StringComparison.Ordinal) => JiraRefreshToken,
        _ when secretName.StartsWith("jira-", StringComparison.Ordinal) && secretName.EndsWith("-access-token", StringComparison.Ordinal) => JiraAccessToken,
        _ when secretName.StartsWith("oauth-client-", StringComparison.Ordinal) => OAuthClientSecret,
        _ => Other,
    };
}
