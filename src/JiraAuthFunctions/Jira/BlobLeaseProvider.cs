using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Leases across every instance of the Function App: an Azure Storage blob lease on
/// <c>leases/{name}</c> (the blob is created empty on first use). A lease already held elsewhere
/// answers 409, which means "someone else is renewing": null, not an error.
/// </summary>
public sealed class BlobLeaseProvider(BlobContainerClient container) : ILeaseProvider
{
    public const string ContainerName = "leases";
    private int _containerReady;

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _containerReady, 1) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var blob = container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Exists already (or is leased right now): fine.
        }

        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Held(lease);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    private sealed class Held(BlobLeaseClient lease) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await lease.ReleaseAsync().ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Expired or lost already: it ends by itself within its duration.
            }
        }
    }
}
