using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Replay;

/// <summary>
/// A revocation list held in memory and read from a store every instance shares (the revocation
/// table), once at start and then every poll interval in the background, so a revocation made with
/// the CLI is refused by every instance within one interval. Requests never wait for the store.
/// It fails closed: the first read must succeed or the start stops (<see cref="LoadAsync"/>); a
/// later read that fails keeps the last list in force, logs event 225 on every failed poll and
/// reports the list unhealthy with the time of the last good read, until the store answers again.
/// Until a list has been read, every token counts as revoked.
/// </summary>
public sealed partial class PolledRevocationList : IRevocationList, IDependencyHealth
{
    private readonly IRevocationStore _store;
    private readonly string _storeName;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile RevocationSnapshot? _snapshot;
    private volatile Status _status = new("not read yet", null);

    /// <param name="store">Where the list is read from.</param>
    /// <param name="storeName">How logs and health name the store, e.g. <c>table replay (account x)</c>; never a secret.</param>
    /// <param name="pollInterval">How often the store is read; a revocation takes effect within it.</param>
    public PolledRevocationList(IRevocationStore store, string storeName, TimeSpan pollInterval, TimeProvider timeProvider, ILogger<PolledRevocationList> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        _store = store;
        _storeName = storeName;
        _pollInterval = pollInterval;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public TimeSpan PollInterval => _pollInterval;

    public bool IsRevoked(string integration, string jtiHash) => _snapshot?.IsRevoked(integration, jtiHash) ?? true;

    public bool HasEntries(string integration) => _snapshot?.HasEntries(integration) ?? true;

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RevocationsUnavailableException ex)
        {
            var message = $"{ex.Message} The app does not start without its revocations.";
            Log.RevocationsUnreadableAtStart(_logger, message);
            throw new RevocationsUnavailableException(message, ex);
        }
    }

    public async Task KeepCurrentAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_pollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the store once; on failure the last list stays in force. True when the read succeeded.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ReadAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any failure, not only the store's own: a poll that threw must not stop the polling or empty the list.
            var problem = ex is RevocationsUnavailableException ? ex.Message : $"Revocation {_storeName} could not be read ({ex.GetType().Name}).";
            var lastSuccess = _status.LastSuccess;
            _status = new Status(problem, lastSuccess);
            Log.RevocationStoreUnavailable(_logger, _storeName, problem, lastSuccess?.ToString("O") ?? "never");
            return false;
        }
    }

    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        var status = _status;
        return ValueTask.FromResult(status.Problem is null
            ? new DependencyState(RevocationHealth.Name, HealthStatus.Healthy, $"{_snapshot?.Revoked.Count ?? 0} revoked ({_storeName}, read every {_pollInterval.TotalSeconds:0.#} s)", status.LastSuccess)
            : new DependencyState(RevocationHealth.Name, HealthStatus.Unhealthy, status.Problem, status.LastSuccess));
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var entries = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = RevocationSnapshot.From(entries);
        var previous = _snapshot;
        var recovered = _status.Problem is not null;
        _snapshot = snapshot;
        _status = new Status(null, _timeProvider.GetUtcNow());

        // Said when something changed (first read, a new or removed entry, back after a failure), not every poll.
        if (previous is null || recovered || !previous.Revoked.SetEquals(snapshot.Revoked))
        {
            Log.RevocationsReloaded(_logger, _storeName, snapshot.Revoked.Count);
        }
    }

    /// <summary>The last read's outcome: a problem (null when it worked) and when a read last worked.</summary>
    private sealed record Status(string? Problem, DateTimeOffset? LastSuccess);

    private static partial class Log
    {
        [LoggerMessage(EventIds.RevocationsReloaded, LogLevel.Information, "Revocation list loaded from {Store}: {Count} revoked tokens.", EventName = "RevocationsReloaded")]
        public static partial void RevocationsReloaded(ILogger logger, string store, int count);

        [LoggerMessage(EventIds.RevocationStoreUnavailable, LogLevel.Error,
            "{Problem} The list read at {LastSuccess} stays in force; revocations made since are not seen here until {Store} answers.",
            EventName = "RevocationStoreUnavailable")]
        public static partial void RevocationStoreUnavailable(ILogger logger, string store, string problem, string lastSuccess);

        [LoggerMessage(EventIds.RevocationsUnreadableAtStart, LogLevel.Critical, "{Problem}", EventName = "RevocationsUnreadableAtStart")]
        public static partial void RevocationsUnreadableAtStart(ILogger logger, string problem);
    }
}
