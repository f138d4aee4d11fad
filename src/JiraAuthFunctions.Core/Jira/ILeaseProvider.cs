namespace JiraAuthFunctions.Jira;

/// <summary>
/// Mutual exclusion across every instance of the app (an Azure Storage blob lease in Azure and
/// with Azurite; in one process only when no storage is configured).
/// </summary>
public interface ILeaseProvider
{
    /// <summary>The lease on <paramref name="name"/>, or null when another holder has it. Disposing releases it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default);
}

/// <summary>Leases within this process only: for running the app on its own.</summary>
public sealed class ProcessLeaseProvider : ILeaseProvider
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        return await gate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false) ? new Release(gate) : null;
    }

    private sealed class Release(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }
}
