using System.Collections.Concurrent;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>The state of one connection, for the health endpoint and on-call.</summary>
public sealed record JiraConnectionStatus(string Connection, string State, DateTimeOffset? AccessTokenExpiresOn);

/// <summary>
/// Keeps each Jira connection's access token fresh. Per connection and run: if the access token is
/// within <see cref="JiraConnectionOptions.RenewBefore"/> of expiry, take the connection's lease
/// (one renewer across all instances), read the tokens again under it, and only if still needed
/// refresh; the new refresh token is stored before anything else, then the access token with its
/// expiry. invalid_grant stops the connection loudly (reason <c>reauthorization_required</c>) with
/// no retry loop; throttling and server errors are retried with backoff and jitter within the run's budget.
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
    public const string ReauthorizationRequired = "reauthorization_required";
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, JiraConnectionStatus> _status = new(StringComparer.Ordinal);
    private int _gaugeRegistered;

    public IReadOnlyCollection<JiraConnectionStatus> Status => [.. _status.Values.OrderBy(s => s.Connection, StringComparer.Ordinal)];

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (metrics is not null && Interlocked.Exchange(ref _gaugeRegistered, 1) == 0)
        {
            metrics.ObserveGauge("jiraauth.jira.access_token.seconds_to_expiry", "Seconds until each connection's access token expires (negative: expired).", () =>
                Status.Where(s => s.AccessTokenExpiresOn is not null).Select(s =>
                    new System.Diagnostics.Metrics.Measurement<double>((s.AccessTokenExpiresOn!.Value - timeProvider.GetUtcNow()).TotalSeconds, new KeyValuePair<string, object?>("connection", s.Connection))));
        }

        foreach (var (name, connection) in options.Value.Connections)
        {
            await RenewIfDueAsync(name, connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renews one connection if its access token is due; returns whether a refresh was made.</summary>
    public async Task<bool> RenewIfDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken = default, bool force = false)
    {
        if (!force && !await IsDueAsync(name, connection, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await using var lease = await leases.TryAcquireAsync($"jira-{name}", LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return false; // another instance is renewing this connection right now
        }

        // Under the lease, read again: the holder before us may have renewed already.
        if (!force && !await IsDueAsync(name, connection, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var refreshToken = await store.GetSecretAsync(JiraSecretNames.RefreshToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var clientSecret = await store.GetSecretAsync(JiraSecretNames.ClientSecret(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (refreshToken is null || clientSecret is null || string.IsNullOrEmpty(connection.ClientId))
        {
            Fail(name, ReauthorizationRequired, "no refresh token or client credentials in the secret store");
            return false;
        }

        var result = await RefreshWithRetriesAsync(connection, clientSecret.Value, refreshToken.Value, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case TokenRefreshOutcome.Refreshed:
                // The old refresh token is spent from this moment: store the new one first.
                await store.SetSecretAsync(JiraSecretNames.RefreshToken(name), result.RefreshToken!, new SecretAttributes { ContentType = "application/x-refresh-token" }, cancellationToken).ConfigureAwait(false);
                var expiresOn = timeProvider.GetUtcNow() + result.ExpiresIn;
                await store.SetSecretAsync(JiraSecretNames.AccessToken(name), result.AccessToken!, new SecretAttributes { ContentType = "application/x-access-token", ExpiresOn = expiresOn }, cancellationToken).ConfigureAwait(false);
                _status[name] = new JiraConnectionStatus(name, "ok", expiresOn);
                Log.Renewed(logger, name, expiresOn);
                metrics?.Renewal(name, "ok");
                return true;
            case TokenRefreshOutcome.ReauthorizationRequired:
                Fail(name, ReauthorizationRequired, "the token endpoint refused the refresh token (invalid_grant)");
                return false;
            default:
                _status[name] = new JiraConnectionStatus(name, "renewal_failed", _status.TryGetValue(name, out var s) ? s.AccessTokenExpiresOn : null);
                Log.RenewalFailed(logger, name);
                metrics?.Renewal(name, "failed");
                return false;
        }
    }

    private async Task<bool> IsDueAsync(string name, JiraConnectionOptions connection, CancellationToken cancellationToken)
    {
        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var expiresOn = access?.Properties.ExpiresOn;
        if (expiresOn is not null && _status.GetValueOrDefault(name)?.State != ReauthorizationRequired)
        {
            _status[name] = new JiraConnectionStatus(name, "ok", expiresOn);
        }

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

    private void Fail(string name, string reason, string detail)
    {
        _status[name] = new JiraConnectionStatus(name, reason, null);
        Log.ReauthorizationRequired(logger, name, reason, detail);
        metrics?.Renewal(name, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.JiraTokenRenewed, LogLevel.Information, "Jira connection {Connection}: access token renewed, expires {ExpiresOn:O}.", EventName = "JiraTokenRenewed")]
        public static partial void Renewed(ILogger logger, string connection, DateTimeOffset expiresOn);

        [LoggerMessage(EventIds.JiraReauthorizationRequired, LogLevel.Error, "Jira connection {Connection} stopped: reason {Reason} ({Detail}). A Jira admin must authorize the app again and store the new refresh token.", EventName = "JiraReauthorizationRequired")]
        public static partial void ReauthorizationRequired(ILogger logger, string connection, string reason, string detail);

        [LoggerMessage(EventIds.JiraRenewalFailed, LogLevel.Warning, "Jira connection {Connection}: renewal failed for now (throttled or unavailable); the next run tries again.", EventName = "JiraRenewalFailed")]
        public static partial void RenewalFailed(ILogger logger, string connection);
    }
}
