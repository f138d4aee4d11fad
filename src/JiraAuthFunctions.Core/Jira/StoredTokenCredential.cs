using System.Net.Http.Headers;
using System.Text;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// A connection whose credential a person creates and stores, and the app cannot renew:
/// <see cref="JiraAuthKind.ApiToken"/> (HTTP Basic, the account's e-mail and the token: "replace your
/// password with the token", https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/,
/// https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/) or
/// <see cref="JiraAuthKind.DataCenterPat"/> (<c>Authorization: Bearer</c> and the token,
/// https://confluence.atlassian.com/enterprise/using-personal-access-tokens-1026032365.html). Both expire
/// (API tokens at most a year after creation since December 2024; a PAT when its creator chose): the secret's
/// expiry attribute is the token's, so the credentials job warns <see cref="WarnBefore"/> ahead, every run,
/// as for shared secrets, and health shows the days left. Nothing states such a token's scopes: not verifiable.
/// A 401 reads the secret again once (a person may have stored a new version) and otherwise stands.
/// </summary>
internal sealed class StoredTokenCredential(string name, JiraConnectionOptions settings, ISecretStore store, TimeProvider timeProvider, ILogger logger) : IJiraCredential
{
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(14);

    private readonly string _secretName = settings.Auth == JiraAuthKind.ApiToken ? JiraSecretNames.ApiToken(name) : JiraSecretNames.PersonalAccessToken(name);
    private string? _rejectedVersion;

    public string Connection => name;

    public JiraAuthKind Kind => settings.Auth;

    private string What => settings.Auth == JiraAuthKind.ApiToken ? "API token" : "personal access token";

    public async Task<AuthenticationHeaderValue> GetAuthorizationAsync(CancellationToken cancellationToken = default)
    {
        var secret = await store.GetSecretAsync(_secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
        return secret is not null && secret.Properties.IsUsableAt(timeProvider.GetUtcNow())
            ? Header(secret.Value)
            : throw new JiraCredentialUnavailableException(name, JiraConnectionStates.Expired, $"no usable {What} in {_secretName}");
    }

    public async Task<AuthenticationHeaderValue?> RenewAfterUnauthorizedAsync(AuthenticationHeaderValue rejected, CancellationToken cancellationToken = default)
    {
        var secret = await store.GetSecretAsync(_secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (secret is not null && secret.Properties.IsUsableAt(timeProvider.GetUtcNow()) && Header(secret.Value).Parameter != rejected.Parameter)
        {
            return Header(secret.Value); // a person stored a new version since this request read it
        }

        // Revoked or expired before its expiry attribute says: said once per version, not per request.
        var version = secret?.Properties.Version ?? "none";
        if (Interlocked.Exchange(ref _rejectedVersion, version) != version)
        {
            JiraCredentialsLog.CredentialRejected(logger, name, What, _secretName, version);
        }

        return null;
    }

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var secret = await store.GetSecretAsync(_secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (secret is null || !secret.Properties.IsUsableAt(now))
        {
            JiraCredentialsLog.CredentialExpired(logger, name, What, _secretName, secret?.Properties.ExpiresOn, JiraConnectionStates.Expired);
        }
        else if (secret.Properties.ExpiresOn is not { } expiresOn)
        {
            JiraCredentialsLog.CredentialExpiryUnknown(logger, name, What, _secretName);
        }
        else if (expiresOn - now <= WarnBefore)
        {
            JiraCredentialsLog.CredentialExpiring(logger, name, What, _secretName, expiresOn, (int)Math.Floor((expiresOn - now).TotalDays), JiraConnectionStates.CredentialExpiring);
        }
    }

    public async Task<JiraConnectionStatus> ReadStatusAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var secret = await store.GetSecretAsync(_secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
        var properties = secret?.Properties;
        var expiresOn = properties?.ExpiresOn;
        var state = properties is null || !properties.IsUsableAt(now) ? JiraConnectionStates.Expired
            : expiresOn is { } at && at - now <= WarnBefore ? JiraConnectionStates.CredentialExpiring
            : JiraConnectionStates.Ok;
        return new JiraConnectionStatus(name, state, expiresOn) { Auth = settings.Auth, Scopes = JiraScopes.NotVerifiable, CredentialExpiresOn = expiresOn };
    }

    private AuthenticationHeaderValue Header(string token) => settings.Auth == JiraAuthKind.ApiToken
        ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Email}:{token}")))
        : new AuthenticationHeaderValue("Bearer", token);
}
