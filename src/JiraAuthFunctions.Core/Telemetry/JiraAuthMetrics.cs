using System.Diagnostics.Metrics;

namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// The app's metrics (meter <see cref="MeterName"/>), exported by OpenTelemetry when Application
/// Insights is configured. Names and tags are on-call's query keys: keep them stable.
/// </summary>
public sealed class JiraAuthMetrics : IDisposable
{
    public const string MeterName = "JiraAuthFunctions";

    private readonly Meter _meter;
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _validation;
    private readonly Counter<long> _secretReads;
    private readonly Counter<long> _secretWrites;
    private readonly Counter<long> _secretCache;
    private readonly Counter<long> _renewals;
    private readonly Counter<long> _webhookRefreshes;
    private readonly Counter<long> _keyCache;
    private readonly Counter<long> _keyFetches;
    private readonly Counter<long> _jiraThrottled;

    public JiraAuthMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _decisions = _meter.CreateCounter<long>("jiraauth.auth.decisions", description: "Authentication decisions by integration, reason and status.");
        _validation = _meter.CreateHistogram<double>("jiraauth.auth.validation.duration", unit: "ms", description: "Time to check one token.");
        _secretReads = _meter.CreateCounter<long>("jiraauth.secrets.reads", description: "Secret store reads by secret kind, operation (get, list) and outcome (ok, not_found, error).");
        _secretWrites = _meter.CreateCounter<long>("jiraauth.secrets.writes", description: "Secret store writes by secret kind, operation (set, update) and outcome (ok, error).");
        _secretCache = _meter.CreateCounter<long>("jiraauth.secrets.cache", description: "Lookups of secrets held in memory by secret kind and result (hit: served from memory, miss: read from the store).");
        _renewals = _meter.CreateCounter<long>("jiraauth.jira.renewals", description: "Jira token renewals by connection and outcome (ok, failed, reauthorization_required).");
        _webhookRefreshes = _meter.CreateCounter<long>("jiraauth.jira.webhook_refreshes", description: "Dynamic webhooks by connection and refresh outcome (extended, failed).");
        _keyCache = _meter.CreateCounter<long>("jiraauth.keys.cache", description: "Lookups of fetched keys by cache and result (hit: fresh in memory, stale: held past its refresh, miss: waited for a fetch, unavailable: nothing usable held).");
        _keyFetches = _meter.CreateCounter<long>("jiraauth.keys.fetches", description: "Fetches of keys (JWKS, install keys) by cache and outcome (ok, not_found, failed).");
        _jiraThrottled = _meter.CreateCounter<long>("jiraauth.jira.throttled", description: "Jira REST answers 429 (and 503) by connection, RateLimit-Reason (jira-burst-based, jira-per-issue-on-write, jira-quota-tenant-based, jira-quota-global-based, other, unspecified) and status.");
    }

    public void Decision(string integration, string reason, int status) =>
        _decisions.Add(1, new("integration", integration), new("reason", reason), new("status", StatusTag(status)));

    public void ValidationTime(string integration, TimeSpan elapsed) =>
        _validation.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("integration", integration));

    /// <param name="kind">A <see cref="Secrets.SecretKinds"/> value, never a secret's name or value: the series stay few.</param>
    public void SecretRead(string kind, string operation, string outcome) =>
        _secretReads.Add(1, new("kind", kind), new("operation", operation), new("outcome", outcome));

    /// <param name="kind">A <see cref="Secrets.SecretKinds"/> value.</param>
    public void SecretWrite(string kind, string operation, string outcome) =>
        _secretWrites.Add(1, new("kind", kind), new("operation", operation), new("outcome", outcome));

    /// <param name="kind">A <see cref="Secrets.SecretKinds"/> value.</param>
    public void SecretCache(string kind, bool hit) =>
        _secretCache.Add(1, new("kind", kind), new("result", hit ? "hit" : "miss"));

    public void Renewal(string connection, string outcome) =>
        _renewals.Add(1, new("connection", connection), new("outcome", outcome));

    public void WebhookRefresh(string connection, string outcome, int webhooks) =>
        _webhookRefreshes.Add(webhooks, new("connection", connection), new("outcome", outcome));

    /// <param name="cache">The cache's health name, e.g. <c>jwks:forge</c>: one per configured source, so the series stay few.</param>
    public void KeyCache(string cache, string result) =>
        _keyCache.Add(1, new("cache", cache), new("result", result));

    /// <param name="cache">The cache's health name.</param>
    public void KeyFetch(string cache, string outcome) =>
        _keyFetches.Add(1, new("cache", cache), new("outcome", outcome));

    /// <param name="reason">A <see cref="Jira.JiraRateLimitReasons"/> value, never the raw header: the series stay few.</param>
    public void JiraThrottled(string connection, string reason, int status) =>
        _jiraThrottled.Add(1, new("connection", connection), new("reason", reason), new("status", StatusTag(status)));

    // An HTTP status as a tag value, boxed once per status rather than per measurement (every request counts one).
    private static readonly object?[] BoxedStatuses = new object?[600];

    private static object StatusTag(int status) =>
        (uint)status < (uint)BoxedStatuses.Length ? BoxedStatuses[status] ??= status : status;

    /// <summary>Registers a gauge read at each collection, e.g. seconds until a token expires.</summary>
    public void ObserveGauge(string name, string description, Func<IEnumerable<Measurement<double>>> observe) =>
        _meter.CreateObservableGauge(name, observe, description: description);

    public void Dispose() => _meter.Dispose();
}
