using JiraAuthFunctions.Health;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Hosting;

/// <summary>
/// <c>GET /api/health</c>, for the platform's health check and for on-call: the secret store
/// reachable, each integration's keys loaded, each Jira connection's state, each connection's dynamic
/// webhooks (state, count, earliest expiry), and every registered <see cref="IDependencyHealth"/>
/// (<c>dependencies</c>: name, state, detail, last success). Never a secret. The store probe is cached for 30 s.
/// <para>
/// The status code is for the platform's health check (Premium: <c>healthCheckPath</c>), which takes
/// an instance that answers non-2xx out of the load balancer and replaces it after an hour. That
/// helps only for a fault of this instance that a new instance does not have: the JSON-lines sink on
/// the instance's own disk (full, its folder gone) is the one such dependency (its state says
/// <see cref="IDependencyHealth.InstanceLocal"/>), so it alone answers 503. Everything else is shared by every instance (Key Vault, the storage account's queue, replay
/// table and revocations, Atlassian's key endpoints): answering 503 for it would pull every instance at
/// once and fix nothing, so those answer 200 and the body says <c>degraded</c> or <c>unhealthy</c> and
/// why, which the availability test alerts on (infra/modules/availability.bicep).
/// </para>
/// </summary>
internal sealed class HealthEndpoint(ISecretStore store, IntegrationRegistry integrations, JiraTokenRenewer jira, JiraWebhookRefresher webhooks, IEnumerable<IDependencyHealth> dependencies, TimeProvider timeProvider)
{
    public const string Route = "/api/health";
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);
    private (string State, DateTimeOffset At)? _probe;

    public async Task<IResult> HandleAsync(CancellationToken cancellationToken)
    {
        var storeState = await ProbeStoreAsync(cancellationToken);
        var storeReachable = storeState == StoreReachable;
        var keys = new List<IntegrationHealth>();
        // Only keys loaded ahead: a Connect app's keys are its tenants' secrets, read when a tenant calls.
        foreach (var integration in integrations.All.Where(i => i.HoldsKeys).OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var lookup = await integration.Keys.GetKeysAsync(null, cancellationToken);
            keys.Add(new IntegrationHealth(integration.Name, lookup.Unavailable ? "unavailable" : lookup.Keys.Count == 0 ? "no_keys" : "loaded"));
        }

        // From the shared store and the clock (held 30 s): the same on every instance, whichever ran the job.
        var now = timeProvider.GetUtcNow();
        var connections = (await jira.States.GetAllAsync(cancellationToken)).Select(s => new ConnectionHealth(
            s.Connection, s.State, s.AccessTokenExpiresOn, s.Auth.ToString(), s.Scopes.Replace('_', ' '), s.MissingScopes,
            s.CredentialExpiresOn is { } expiresOn ? JiraConnectionsHealth.DaysLeft(expiresOn, now) : null)).ToList();
        var hooks = webhooks.Status.Select(s => new WebhooksHealth(s.Connection, s.State, s.Webhooks, s.EarliestExpiry)).ToList();
        var states = new List<DependencyHealthReport>();
        var worst = HealthStatus.Healthy;
        var instanceFault = false;
        foreach (var dependency in dependencies)
        {
            var state = await dependency.CheckAsync(cancellationToken);
            worst = state.Status > worst ? state.Status : worst;
            instanceFault |= state.Status == HealthStatus.Unhealthy && dependency.InstanceLocal;
            states.Add(new DependencyHealthReport(state.Name, state.Status.ToCode(), state.Detail, state.LastSuccess));
        }

        var healthy = storeReachable && keys.All(k => k.Keys == "loaded") && connections.All(c => c.State == "ok") && hooks.All(h => h.State == JiraWebhookRefresher.Ok);
        if (!healthy && worst == HealthStatus.Healthy)
        {
            worst = HealthStatus.Degraded;
        }

        return Results.Json(
            new HealthReport(worst.ToCode(), storeState, keys, connections, hooks, states),
            HostingJsonContext.Default.HealthReport,
            statusCode: instanceFault ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private const string StoreReachable = "reachable";

    /// <summary>reachable; forbidden (the app's identity lacks its Key Vault role, or it is not effective yet); or unreachable.</summary>
    private async Task<string> ProbeStoreAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_probe is { } held && now - held.At < ProbeInterval)
        {
            return held.State;
        }

        string reachable;
        try
        {
            // Listing the versions of a name that need not exist: a round trip that reads no value.
            await store.GetPropertiesOfSecretVersionsAsync("health-probe", cancellationToken);
            reachable = StoreReachable;
        }
        catch (SecretStoreUnavailableException ex) when (ex.AccessDenied)
        {
            reachable = "forbidden";
        }
        catch (Exception ex) when (ex is SecretStoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            reachable = "unreachable";
        }

        _probe = (reachable, now);
        return reachable;
    }
}

internal sealed record HealthReport(string Status, string SecretStore, IReadOnlyList<IntegrationHealth> Integrations, IReadOnlyList<ConnectionHealth> JiraConnections, IReadOnlyList<WebhooksHealth> JiraWebhooks, IReadOnlyList<DependencyHealthReport> Dependencies);

internal sealed record DependencyHealthReport(string Name, string State, string? Detail, DateTimeOffset? LastSuccess);

internal sealed record IntegrationHealth(string Name, string Keys);

/// <param name="Auth">The connection's Auth kind.</param>
/// <param name="Scopes">verified, missing, not stated, none required, unchecked, or not verifiable (API tokens and PATs).</param>
/// <param name="DaysLeft">For an API token or PAT with an expiry: whole days until it expires.</param>
internal sealed record ConnectionHealth(string Name, string State, DateTimeOffset? AccessTokenExpiresOn, string Auth, string Scopes, IReadOnlyList<string> MissingScopes, int? DaysLeft);

internal sealed record WebhooksHealth(string Name, string State, int Webhooks, DateTimeOffset? EarliestExpiry);

[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class HostingJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
