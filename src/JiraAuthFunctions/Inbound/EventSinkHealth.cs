using JiraAuthFunctions.Health;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The event sink in health, whichever sink is in place: a sink that keeps its own state (the
/// JSON-lines file, the queue) reports it; another one is listed as <c>not_reported</c>.
/// </summary>
internal sealed class EventSinkHealth(IEventSink sink) : IDependencyHealth
{
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) =>
        sink is IDependencyHealth reporting
            ? reporting.CheckAsync(cancellationToken)
            : ValueTask.FromResult(new DependencyState(JsonLinesEventSink.HealthName, HealthStatus.Healthy, "not_reported"));

    /// <summary>The JSON-lines sink writes to this instance's own disk; the queue sink is shared.</summary>
    public bool InstanceLocal => sink is JsonLinesEventSink;
}
