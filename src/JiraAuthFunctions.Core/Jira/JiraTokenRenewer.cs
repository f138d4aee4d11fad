using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Keeps each Jira connection's access token fresh. Per connection and run: if the access token is
/// within <see cref="JiraConnectionOptions.RenewBefore"/> of expiry, take the connection's lease
/// (one renewer across all instances), read the tokens again under it, and only if still needed
/// refresh; the new refresh token is stored before anything else, then the access token with its
/// expiry. invalid_grant stops the connection loudly (reason <c>reauthorization_required</c>) with
/// no retry loop, and marks the refused refresh token in the store, so every instance reports it and
/// refuses to call Jira until a new consent is stored (<see cref="JiraConnectionStates"/>);
/// throttling and server errors are retried with backoff and jitter within the run's budget
/// (<see cref="JiraConnectionOptions.RunBudget"/>, which also bounds the lease calls).
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

    private int _gaugeRegistered;

    /// <summary>What every instance reports for each connection: read from the shared store, not from this process's runs.</summary>
    public JiraConnectionStates States { get; } = new(options, store, timeProvider);

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
                await RenewIfDueAsync(name, connection, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Renews one connection if its access token is due; returns whether a refresh was made.</summary>
    public async Task<bool> RenewIfDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken = default, bool force = false)
    {
        // The budget bounds the lease calls (acquire and release), the reads and the token endpoint. The
        // writes after a refresh take the caller's token only: a refresh token Atlassian has rotated must
        // not be lost to a timer.
        using var budget = new CancellationTokenSource(connection.RunBudget, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        if (!force && !await IsDueAsync(name, connection, linked.Token).ConfigureAwait(false))
        {
            return false;
        }

        await using var lease = await leases.TryAcquireAsync($"jira-{name}", LeaseDuration, linked.Token).ConfigureAwait(false);
        if (lease is null)
        {
            return false; // another instance is renewing this connection right now
        }

        // Under the lease, read again: the holder before us may have renewed already.
        if (!force && !await IsDueAsync(name, connection, linked.Token).ConfigureAwait(false))
        {
            return false;
        }

        var refreshToken = await store.GetSecretAsync(JiraSecretNames.RefreshToken(name), cancellationToken: linked.Token).ConfigureAwait(false);
        var clientSecret = await store.GetSecretAsync(JiraSecretNames.ClientSecret(name), cancellationToken: linked.Token).ConfigureAwait(false);
        if (refreshToken is null || clientSecret is null || string.IsNullOrEmpty(connection.ClientId))
        {
            Fail(name, "no refresh token or client credentials in the secret store");
            return false;
        }

        if (JiraConnectionStates.IsRefused(refreshToken.Properties))
        {
            return false; // refused before (logged then): only a new consent, a new version, helps
        }

        var result = await RefreshWithRetriesAsync(connection, clientSecret.Value, refreshToken.Value, linked.Token).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case TokenRefreshOutcome.Refreshed:
                // The old refresh token is spent from this moment: store the new one first.
                await store.SetSecretAsync(JiraSecretNames.RefreshToken(name), result.RefreshToken!, new SecretAttributes { ContentType = "application/x-refresh-token" }, cancellationToken).ConfigureAwait(false);
                var expiresOn = timeProvider.GetUtcNow() + result.ExpiresIn;
                await store.SetSecretAsync(JiraSecretNames.AccessToken(name), result.AccessToken!, new SecretAttributes { ContentType = "application/x-access-token", ExpiresOn = expiresOn }, cancellationToken).ConfigureAwait(false);
                States.Forget(name);
                Log.Renewed(logger, name, expiresOn);
                metrics?.Renewal(name, "ok");
                return true;
            case TokenRefreshOutcome.ReauthorizationRequired:
                Fail(name, $"the token endpoint refused the refresh token: {result.Detail}");
                // Marked in the store, so every instance stops until a person stores a new refresh token.
                await store.UpdateSecretPropertiesAsync(refreshToken.Properties with { Tags = JiraConnectionStates.RefusedTags(refreshToken.Properties, timeProvider.GetUtcNow()) }, cancellationToken).ConfigureAwait(false);
                States.Forget(name);
                return false;
            default:
                var status = await FreshStateAsync(name, cancellationToken).ConfigureAwait(false);
                Log.RenewalFailed(logger, name, result.Detail ?? "unavailable", status.State, status.AccessTokenExpiresOn);
                metrics?.Renewal(name, "failed");
                return false;
        }
    }

    private Task<JiraConnectionStatus> FreshStateAsync(string name, CancellationToken cancellationToken)
    {
        States.Forget(name);
        return States.GetAsync(name, cancellationToken);
    }

    private async Task<bool> IsDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken)
    {
        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var expiresOn = access?.Properties.ExpiresOn;
        return expiresOn is null || expiresOn - timeProvider.GetUtcNow() <= connection.RenewBefore;
    }

    private async Task<TokenRefresh> RefreshWithRetriesAsync(JiraConnectionOptions connection, string clientSecret, string refreshToken, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + connection.RunBudget;
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            var result = await tokens.RefreshAsync(connection.TokenEndpoint, connection.ClientId!, clientSecret, refreshToken, cancellationToken).ConfigureAwait(false);
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

    private void Fail(string name, string detail)
    {
        Log.ReauthorizationRequired(logger, name, ReauthorizationRequired, detail);
        metrics?.Renewal(name, ReauthorizationRequired);
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
