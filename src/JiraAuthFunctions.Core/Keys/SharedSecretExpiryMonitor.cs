using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// Warns ahead of a shared secret's expiry (run by the credentials job). The app cannot rotate
/// these itself: the caller's copy (a Jira rule's token, a signer's config) must be changed by a
/// person, so the warning comes <see cref="WarnBefore"/> ahead and repeats every run until then.
/// With metrics given, each integration's current secret expiry is a gauge (days, by integration).
/// </summary>
public sealed partial class SharedSecretExpiryMonitor(IntegrationRegistry integrations, ISecretStore store, TimeProvider timeProvider, ILogger<SharedSecretExpiryMonitor> logger, JiraAuthMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private int _gaugeRegistered;

    public const string Reason = "shared_secret_expiring";
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(14);

    /// <summary>Checks every SharedSecret integration; returns the names of those whose current secret expires within <see cref="WarnBefore"/>.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken = default)
    {
        RegisterGauge();
        var now = timeProvider.GetUtcNow();
        var expiring = new List<string>();
        foreach (var integration in integrations.All)
        {
            if (integration.Keys is not SharedSecretKeySource source)
            {
                continue;
            }

            var versions = await store.GetPropertiesOfSecretVersionsAsync(source.SecretName, cancellationToken).ConfigureAwait(false);
            var current = versions.Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
            if (current?.ExpiresOn is { } expiry)
            {
                _expiries[integration.Name] = expiry;
            }
            else
            {
                _expiries.TryRemove(integration.Name, out _); // no expiry (or no usable version): nothing to count down
            }

            if (current?.ExpiresOn is { } expiresOn && expiresOn - now <= WarnBefore)
            {
                Log.Expiring(logger, integration.Name, source.SecretName, current.Version, Reason, expiresOn, (int)Math.Floor((expiresOn - now).TotalDays));
                expiring.Add(integration.Name);
            }
        }

        return expiring;
    }

    private void RegisterGauge()
    {
        if (metrics is null || Interlocked.Exchange(ref _gaugeRegistered, 1) != 0)
        {
            return;
        }

        metrics.ObserveGauge("jiraauth.secrets.shared_secret.days_to_expiry", "Days until each integration's current shared secret expires (negative: expired).", () =>
            _expiries.Select(e => new Measurement<double>((e.Value - timeProvider.GetUtcNow()).TotalDays, new KeyValuePair<string, object?>("integration", e.Key))));
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.SharedSecretExpiring, LogLevel.Warning,
            "Shared secret {SecretName} of integration {Integration} (version {Version}) expires {ExpiresOn:O}, in {DaysLeft} days: reason {Reason}. Rotate it (jiraauth secret rotate, or a new Key Vault version) and update the caller's copy.",
            EventName = "SharedSecretExpiring")]
        public static partial void Expiring(ILogger logger, string integration, string secretName, string version, string reason, DateTimeOffset expiresOn, int daysLeft);
    }
}
