using System.Net.Http.Headers;
using JiraAuthFunctions.Secrets;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// A connection with a token endpoint (<see cref="JiraAuthKind.OAuth3LO"/>, <see cref="JiraAuthKind.ServiceAccount"/>,
/// <see cref="JiraAuthKind.DataCenterServiceAccount"/>): requests carry <c>Bearer</c> and the short-lived access
/// token the credentials job keeps in <c>jira-{name}-access-token</c>, renewed ahead of expiry by
/// <see cref="JiraTokenRenewer"/> under the connection's lease. A 401 forces one renewal: single flight in
/// this process; across instances the lease, and the renewer skips it when the stored token is no longer the
/// rejected one (another instance renewed meanwhile), so one expiry costs one token request.
/// </summary>
internal sealed class OAuthTokenCredential(string name, JiraConnectionOptions settings, JiraTokenGrant grant, ISecretStore store, JiraTokenRenewer renewer) : IJiraCredential
{
    private readonly SemaphoreSlim _renewal = new(1, 1);

    public string Connection => name;

    public JiraAuthKind Kind => settings.Auth;

    public async Task<AuthenticationHeaderValue> GetAuthorizationAsync(CancellationToken cancellationToken = default)
    {
        var status = await renewer.States.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (status.State == JiraConnectionStates.ReauthorizationRequired)
        {
            throw new JiraReauthorizationRequiredException(name);
        }

        if (status.State == JiraConnectionStates.CredentialRefused || status.State == JiraConnectionStates.ScopeMissing)
        {
            throw new JiraCredentialUnavailableException(name, status.State, status.MissingScopes.Count > 0 ? $"missing scopes: {string.Join(' ', status.MissingScopes)}" : grant.Remedy(name));
        }

        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        return access is not null && access.Properties.IsUsableAt(renewer.Now)
            ? new AuthenticationHeaderValue("Bearer", access.Value)
            : throw new JiraAccessTokenExpiredException(name);
    }

    public async Task<AuthenticationHeaderValue?> RenewAfterUnauthorizedAsync(AuthenticationHeaderValue rejected, CancellationToken cancellationToken = default)
    {
        // Single flight: of many requests that met a 401 with the same token, one renews; the rest use its result.
        await _renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
            if (current.Parameter != rejected.Parameter)
            {
                return current;
            }

            try
            {
                await renewer.RenewIfDueAsync(name, settings, cancellationToken, force: true, rejectedAccessToken: rejected.Parameter).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The run budget ended waiting for another instance's renewal: read what the store holds now.
            }

            var renewed = await GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
            return renewed.Parameter == rejected.Parameter ? null : renewed;
        }
        finally
        {
            _renewal.Release();
        }
    }

    public Task RunAsync(CancellationToken cancellationToken = default) => renewer.RenewIfDueAsync(name, settings, cancellationToken);

    public async Task<JiraConnectionStatus> ReadStatusAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var grantSecret = await store.GetSecretAsync(grant.RefusableSecretName(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        return JiraConnectionStates.Derive(name, settings, grant.RefusedState, grantSecret?.Properties, access?.Properties, now);
    }
}
