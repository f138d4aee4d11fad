namespace JiraAuthFunctions.Leases;

/// <summary>
/// Mutual exclusion across every instance of the app (an Azure Storage blob lease in Azure and
/// with Azurite; in one process only when no storage is configured). Every step of the credentials
/// job that writes shared state takes a lease from here and reads the state again under it.
/// </summary>
public interface ILeaseProvider
{
    /// <summary>
    /// The lease on <paramref name="name"/>, or null when another holder has it; throws
    /// <see cref="LeaseUnavailableException"/> when the lease store cannot answer. Disposing releases
    /// the lease and never throws: a release that fails (logged) or is cut short by
    /// <paramref name="cancellationToken"/> (the caller's time budget) leaves a lease that ends by
    /// itself within <paramref name="duration"/>.
    /// </summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default);
}

/// <summary>The lease store could not be reached or failed; the message names the status and error code only.</summary>
public sealed class LeaseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

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
