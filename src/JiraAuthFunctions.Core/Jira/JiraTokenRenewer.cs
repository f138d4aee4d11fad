using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Keeps each Jira connection's credential fresh, through the connection's <see cref="IJiraCredential"/>
/// (<see cref="Credentials"/>). For a kind with a token endpoint, per connection and run: if the access
/// token is within <see cref="JiraConnectionOptions.RenewBefore"/> of expiry, take the connection's lease
/// (one renewer across all instances), read the tokens again under it, and only if still needed ask the
/// kind's <see cref="JiraTokenGrant"/>; a 3LO refresh token is stored before anything else, then the access
/// token with its expiry and what its granted scopes said. A refused grant secret (invalid_grant for a
/// refresh token; invalid_client for a client secret) stops the connection loudly with no retry loop, and
/// is marked in the store, so every instance reports it and refuses to call Jira until a new version is
/// stored (<see cref="JiraConnectionStates"/>); a grant lacking a <see cref="JiraConnectionOptions.RequiredScopes"/>
/// entry does the same (reason <c>scope_missing</c>) and is asked again every run; throttling and server
/// errors are retried with backoff and jitter within the run's budget (<see cref="JiraConnectionOptions.RunBudget"/>,
/// which also bounds the lease calls). API tokens and PATs are not renewed: their expiry is warned of.
/// </summary>
public sealed partial class JiraTokenRenewer(
    IOptions<JiraOptions> options,
    ISecretStore store,
    ILeaseProvider leases,
    AtlassianTokenClient tokens,
    TimeProvider timeProvider,
    ILogger<JiraTokenRenewer> logger,
    JiraAuthMetrics? metrics = null)
{
    public const string ReauthorizationRequired = JiraConnectionStates.ReauthorizationRequired;
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>How often a request that met a 401 tries the lease another instance holds.</summary>
    public static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(250);

    private int _gaugeRegistered;
    private JiraCredentials? _credentials;
    private JiraConnectionStates? _states;

    /// <summary>Each connection's credential, chosen once per connection from its Auth kind.</summary>
    public JiraCredentials Credentials => _credentials ??= new JiraCredentials(options, store, this, timeProvider, logger);

    /// <summary>What every instance reports for each connection: read from the shared store, not from this process's runs.</summary>
    public JiraConnectionStates States => _states ??= new JiraConnectionStates(options, Credentials, timeProvider);

    internal DateTimeOffset Now => timeProvider.GetUtcNow();

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (metrics is not null && Interlocked.Exchange(ref _gaugeRegistered, 1) == 0)
        {
            metrics.ObserveGauge("jiraauth.jira.access_token.seconds_to_expiry", "Seconds until each connection's access token expires (negative: expired).", () =>
                States.Held.Where(s => s.AccessTokenExpiresOn is not null).Select(s =>
                    new System.Diagnostics.Metrics.Measurement<double>((s.AccessTokenExpiresOn!.Value - timeProvider.GetUtcNow()).TotalSeconds, new KeyValuePair<string, object?>("connection", s.Connection))));
        }

        foreach (var (name, connection) in options.Value.Connections)
        {
            // One connection's trouble never stops the others; each is logged with what on-call needs.
            try
            {
                await Credentials.Get(name).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseUnavailableException ex)
            {
                var status = await FreshStateAsync(name, cancellationToken).ConfigureAwait(false);
                Log.LeaseUnavailable(logger, name, ex.Message, status.State, status.AccessTokenExpiresOn);
                metrics?.Renewal(name, "lease_unavailable");
            }
            catch (Exception ex) when (ex is SecretStoreUnavailableException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var status = await FreshStateAsync(name, cancellationToken).ConfigureAwait(false);
                Log.RenewalFailed(logger, name, ex is SecretStoreUnavailableException ? ex.Message : "run budget exceeded", status.State, status.AccessTokenExpiresOn);
                metrics?.Renewal(name, "failed");
            }

            // Read once more after the run, so this instance's gauge shows what the store holds now.
            await FreshStateAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews one connection if its access token is due; returns whether a new access token was stored.
    /// <paramref name="force"/> renews even if not due (after a 401); with <paramref name="rejectedAccessToken"/>,
    /// only while the stored token is still the rejected one (else another instance renewed it already).
    /// </summary>
    public async Task<bool> RenewIfDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken = default, bool force = false, string? rejectedAccessToken = null)
    {
        if (JiraTokenGrant.For(connection.Auth) is not { } grant)
        {
            return false; // API tokens and PATs: nothing to renew (their RunAsync warns of expiry)
        }

        // The budget bounds the lease calls (acquire and release), the reads and the token endpoint. The
        // writes after a refresh take the caller's token only: a refresh token Atlassian has rotated must
        // not be lost to a timer.
        using var budget = new CancellationTokenSource(connection.RunBudget, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        if (!force && !await IsDueAsync(name, connection, linked.Token).ConfigureAwait(false))
        {
            return false;
        }

        await using var lease = await AcquireAsync(name, waitForHolder: force && rejectedAccessToken is not null, linked.Token).ConfigureAwait(false);
        if (lease is null)
        {
            return false; // another instance is renewing this connection right now
        }

        // Under the lease, read again: the holder before us may have renewed already.
        if (!force && !await IsDueAsync(name, connection, linked.Token).ConfigureAwait(false))
        {
            return false;
        }

        if (force && rejectedAccessToken is not null)
        {
            var stored = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: linked.Token).ConfigureAwait(false);
            if (stored is not null && stored.Value != rejectedAccessToken)
            {
                States.Forget(name);
                return false; // renewed since that request read it: one 401 wave, one token request
            }
        }

        var refusable = await store.GetSecretAsync(grant.RefusableSecretName(name), cancellationToken: linked.Token).ConfigureAwait(false);
        var clientSecret = grant.RefusableSecretName(name) == JiraSecretNames.ClientSecret(name)
            ? refusable
            : await store.GetSecretAsync(JiraSecretNames.ClientSecret(name), cancellationToken: linked.Token).ConfigureAwait(false);
        if (refusable is null || clientSecret is null || string.IsNullOrEmpty(connection.ClientId))
        {
            Fail(name, grant, $"no {(refusable is null ? grant.RefusableSecretName(name) : JiraSecretNames.ClientSecret(name))} in the secret store");
            return false;
        }

        if (JiraConnectionStates.IsRefused(refusable.Properties))
        {
            return false; // refused before (logged then): only a new version helps
        }

        var result = await RequestWithRetriesAsync(grant, connection, clientSecret.Value, refusable.Value, linked.Token).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case TokenRefreshOutcome.Refreshed:
                if (result.RefreshToken is not null && grant.RefusableSecretName(name) == JiraSecretNames.RefreshToken(name))
                {
                    // The old refresh token is spent from this moment: store the new one first.
                    await store.SetSecretAsync(JiraSecretNames.RefreshToken(name), result.RefreshToken, new SecretAttributes { ContentType = "application/x-refresh-token" }, cancellationToken).ConfigureAwait(false);
                }

                var scopes = JiraScopes.Check(connection.Auth, connection.RequiredScopes, result.Scope, grant.RequestsScopes(connection));
                var expiresOn = timeProvider.GetUtcNow() + result.ExpiresIn;
                await store.SetSecretAsync(JiraSecretNames.AccessToken(name), result.AccessToken!, new SecretAttributes { ContentType = "application/x-access-token", ExpiresOn = expiresOn, Tags = ScopeTags(scopes) }, cancellationToken).ConfigureAwait(false);
                States.Forget(name);
                if (scopes.Failed)
                {
                    ScopeMissing(name, connection, scopes, result.Scope ?? "(no scope stated)");
                    return true;
                }

                Log.Renewed(logger, name, expiresOn);
                metrics?.Renewal(name, "ok");
                return true;
            case TokenRefreshOutcome.ScopeRefused:
                // No token to mark: the current one (if any) carries the finding, so every instance stops.
                var refused = JiraScopes.Refused(connection.RequiredScopes);
                var current = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (current is not null)
                {
                    var tags = new Dictionary<string, string>(current.Properties.Tags);
                    foreach (var (key, value) in ScopeTags(refused))
                    {
                        tags[key] = value;
                    }

                    await store.UpdateSecretPropertiesAsync(current.Properties with { Tags = tags }, cancellationToken).ConfigureAwait(false);
                }

                States.Forget(name);
                ScopeMissing(name, connection, refused, $"nothing ({result.Detail})");
                return false;
            case TokenRefreshOutcome.ReauthorizationRequired:
                Fail(name, grant, $"the token endpoint refused {grant.RefusableSecretName(name)}: {result.Detail}");
                // Marked in the store, so every instance stops until a person stores a new version.
                await store.UpdateSecretPropertiesAsync(refusable.Properties with { Tags = JiraConnectionStates.RefusedTags(refusable.Properties, timeProvider.GetUtcNow()) }, cancellationToken).ConfigureAwait(false);
                States.Forget(name);
                return false;
            default:
                var status = await FreshStateAsync(name, cancellationToken).ConfigureAwait(false);
                Log.RenewalFailed(logger, name, result.Detail ?? "unavailable", status.State, status.AccessTokenExpiresOn);
                metrics?.Renewal(name, "failed");
                return false;
        }
    }

    /// <summary>
    /// The connection's lease. The job gives up when another instance holds it (that one renews); a request
    /// that met a 401 waits for the holder (within the budget), then finds its new token under the lease
    /// instead of asking for another one.
    /// </summary>
    private async Task<IAsyncDisposable?> AcquireAsync(string name, bool waitForHolder, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lease = await leases.TryAcquireAsync($"jira-{name}", LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (lease is not null || !waitForHolder)
            {
                return lease;
            }

            await Task.Delay(LeasePollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> ScopeTags(JiraScopeCheck scopes)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [JiraScopes.VerificationTag] = scopes.Verification };
        if (scopes.Failed)
        {
            // Key Vault holds at most 256 characters per tag value; scope names are short, a list of them may not be.
            var missing = string.Join(' ', scopes.Missing);
            tags[JiraScopes.MissingTag] = missing.Length <= 256 ? missing : missing[..missing.LastIndexOf(' ', 255)];
        }

        return tags;
    }

    private void ScopeMissing(string name, JiraConnectionOptions connection, JiraScopeCheck scopes, string granted)
    {
        JiraCredentialsLog.ScopeMissing(logger, name, JiraConnectionStates.ScopeMissing, string.Join(' ', scopes.Missing), granted, connection.Auth);
        metrics?.Renewal(name, JiraConnectionStates.ScopeMissing);
    }

    private Task<JiraConnectionStatus> FreshStateAsync(string name, CancellationToken cancellationToken)
    {
        States.Forget(name);
        return States.GetAsync(name, cancellationToken);
    }

    // Due when near expiry, and every run while the stored grant lacked a required scope: a fix in
    // Atlassian (scopes added to the credential, a new consent) is picked up by the next run.
    private async Task<bool> IsDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken)
    {
        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var expiresOn = access?.Properties.ExpiresOn;
        return expiresOn is null || expiresOn - timeProvider.GetUtcNow() <= connection.RenewBefore || access!.Properties.Tags.ContainsKey(JiraScopes.MissingTag);
    }

    private async Task<TokenRefresh> RequestWithRetriesAsync(JiraTokenGrant grant, JiraConnectionOptions connection, string clientSecret, string refusable, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + connection.RunBudget;
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            var result = await grant.RequestAsync(tokens, connection, clientSecret, refusable, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != TokenRefreshOutcome.Transient)
            {
                return result;
            }

            // Honour Retry-After; otherwise exponential backoff with full jitter.
            var wait = result.RetryAfter ?? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * delay.TotalMilliseconds);
            if (timeProvider.GetUtcNow() + wait >= deadline)
            {
                return result;
            }

            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(16).Ticks));
        }
    }

    private void Fail(string name, JiraTokenGrant grant, string detail)
    {
        if (grant.RefusedState == ReauthorizationRequired)
        {
            Log.ReauthorizationRequired(logger, name, ReauthorizationRequired, detail);
        }
        else
        {
            JiraCredentialsLog.CredentialRefused(logger, name, grant.RefusedState, detail, grant.Remedy(name));
        }

        metrics?.Renewal(name, grant.RefusedState);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.JiraTokenRenewed, LogLevel.Information, "Jira connection {Connection}: access token renewed, expires {ExpiresOn:O}.", EventName = "JiraTokenRenewed")]
        public static partial void Renewed(ILogger logger, string connection, DateTimeOffset expiresOn);

        [LoggerMessage(EventIds.JiraReauthorizationRequired, LogLevel.Error, "Jira connection {Connection} stopped: reason {Reason} ({Detail}). A Jira admin must authorize the app again and store the new refresh token.", EventName = "JiraReauthorizationRequired")]
        public static partial void ReauthorizationRequired(ILogger logger, string connection, string reason, string detail);

        [LoggerMessage(EventIds.JiraRenewalFailed, LogLevel.Warning, "Jira connection {Connection}: renewal failed for now ({Detail}); the access token is {TokenState} (expires {ExpiresOn:O}); the next run tries again.", EventName = "JiraRenewalFailed")]
        public static partial void RenewalFailed(ILogger logger, string connection, string detail, string tokenState, DateTimeOffset? expiresOn);

        [LoggerMessage(EventIds.JiraLeaseUnavailable, LogLevel.Error, "Jira connection {Connection} was not renewed: the lease store failed ({Detail}); the access token is {TokenState} (expires {ExpiresOn:O}); the next run tries again.", EventName = "JiraLeaseUnavailable")]
        public static partial void LeaseUnavailable(ILogger logger, string connection, string detail, string tokenState, DateTimeOffset? expiresOn);
    }
}
