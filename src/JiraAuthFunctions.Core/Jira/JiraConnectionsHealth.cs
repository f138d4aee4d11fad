using JiraAuthFunctions.Health;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Health's <c>jira-credentials</c> dependency: unhealthy while a connection's grant lacks a required
/// scope (<c>scope_missing</c>, naming the scopes) or a service account's client secret is refused
/// (<c>credential_refused</c>): those connections send nothing until a person acts. Degraded while an API
/// token or PAT is within its warning window (days left). The per-connection detail stays in
/// <c>jiraConnections</c>; read from <see cref="JiraConnectionStates"/> (held 30 s), never a secret.
/// </summary>
public sealed class JiraConnectionsHealth(JiraTokenRenewer renewer, TimeProvider timeProvider) : IDependencyHealth
{
    public const string Name = "jira-credentials";

    public async ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var worst = HealthStatus.Healthy;
        var details = new List<string>();
        foreach (var status in await renewer.States.GetAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (status.State == JiraConnectionStates.ScopeMissing)
            {
                worst = HealthStatus.Unhealthy;
                details.Add($"{status.Connection}: {status.State} ({string.Join(' ', status.MissingScopes)})");
            }
            else if (status.State == JiraConnectionStates.CredentialRefused)
            {
                worst = HealthStatus.Unhealthy;
                details.Add($"{status.Connection}: {status.State}");
            }
            else if (status.State == JiraConnectionStates.CredentialExpiring && status.CredentialExpiresOn is { } expiresOn)
            {
                worst = worst == HealthStatus.Unhealthy ? worst : HealthStatus.Degraded;
                details.Add($"{status.Connection}: {status.State} ({DaysLeft(expiresOn, now)} days left)");
            }
        }

        return new DependencyState(Name, worst, details.Count == 0 ? null : string.Join("; ", details));
    }

    /// <summary>Whole days until <paramref name="expiresOn"/> (negative once past).</summary>
    public static int DaysLeft(DateTimeOffset expiresOn, DateTimeOffset now) => (int)Math.Floor((expiresOn - now).TotalDays);
}
