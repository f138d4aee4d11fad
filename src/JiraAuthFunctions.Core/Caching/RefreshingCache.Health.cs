using JiraAuthFunctions.Health;

namespace JiraAuthFunctions.Caching;

public sealed partial class RefreshingCache<TKey, TValue>
{
    /// <summary>
    /// Healthy while the last fetch worked (or none was needed yet); Degraded while fetches fail but held values
    /// still serve (the detail says until when); Unhealthy (or <see cref="RefreshingCacheOptions.UnavailableHealth"/>) when they
    /// fail and nothing usable is held. Reads state only.
    /// </summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        int failures;
        DateTimeOffset? lastSuccess;
        DateTimeOffset? failingSince;
        string? lastFailure;
        lock (_lock)
        {
            failures = _failures;
            lastSuccess = _lastSuccess;
            failingSince = _failingSince;
            lastFailure = _lastFailure;
        }

        if (failures == 0)
        {
            return new(new DependencyState(_name, HealthStatus.Healthy, lastSuccess is null ? "not_fetched_yet" : "ok", lastSuccess));
        }

        DateTimeOffset? servesUntil = null;
        foreach (var entry in _entries.Values)
        {
            if (entry.Held is { Value: not null } held && now - held.At < _usableFor)
            {
                var until = _usableFor == RefreshingCacheOptions.Never ? DateTimeOffset.MaxValue : held.At + _usableFor;
                servesUntil = servesUntil is null || until > servesUntil ? until : servesUntil;
            }
        }

        var failing = $"fetch failing ({lastFailure}) since {failingSince:O}, {failures} tries";
        return new(servesUntil is { } heldUntil
            ? new DependencyState(_name, HealthStatus.Degraded, heldUntil == DateTimeOffset.MaxValue ? $"{failing}; held keys keep serving" : $"{failing}; held keys stop verifying at {heldUntil:O}", lastSuccess)
            : new DependencyState(_name, _options.UnavailableHealth, $"keys_unavailable: {failing}", lastSuccess));
    }
}
