using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Leases across every instance of the Function App: an Azure Storage blob lease on
/// <c>leases/{name}</c>. A lease already held elsewhere answers 409, which means "someone else is
/// renewing": null, not an error. A missing blob or container (first use, or deleted while the app
/// runs) is created and the lease tried once more. Any other failure is a
/// <see cref="LeaseUnavailableException"/> naming the status and error code; a failed release is
/// logged (event 415) and swallowed, as the lease ends by itself within its duration.
/// </summary>
public sealed partial class BlobLeaseProvider(BlobContainerClient container, ILogger<BlobLeaseProvider>? logger = null) : ILeaseProvider
{
    public const string ContainerName = "leases";
    private readonly ILogger _logger = logger ?? NullLogger<BlobLeaseProvider>.Instance;

    /// <summary>
    /// SDK retries sized for a credentials-job step (<c>Jira:Connections:&lt;name&gt;:RunBudget</c>, 40 s by
    /// default): at most 3 tries of at most 5 s each with backoff of 0.5 s to 2 s, so a lease call that
    /// cannot succeed gives up in about 20 s; the caller's token ends it sooner.
    /// </summary>
    public static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var lease = container.GetBlobClient(name).GetBlobLeaseClient();
        try
        {
            try
            {
                await lease.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                await CreateBlobAsync(name, cancellationToken).ConfigureAwait(false);
                await lease.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return new Held(lease, name, duration, _logger, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode is null or "LeaseAlreadyPresent")
        {
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw new LeaseUnavailableException($"the lease store {container.Uri.Host} could not lease '{name}': {Describe(ex)}", ex);
        }
    }

    private async Task CreateBlobAsync(string name, CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await container.GetBlobClient(name).UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another instance created it first: fine.
        }
    }

    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or AggregateException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Status and error code, or what kind of failure; never the service's message.</summary>
    internal static string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 } failed => $"no answer ({failed.InnerException?.GetType().Name ?? "network"})",
        RequestFailedException failed => $"status {failed.Status}, code {failed.ErrorCode ?? "none"}",
        AggregateException aggregate => $"{aggregate.InnerExceptions.Count} tries, the last: {Describe(aggregate.InnerExceptions[^1])}",
        OperationCanceledException => "timed out",
        HttpRequestException http => $"no answer ({http.HttpRequestError})",
        _ => ex.GetType().Name,
    };

    private sealed class Held(BlobLeaseClient lease, string name, TimeSpan duration, ILogger logger, CancellationToken cancellationToken) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // The token the lease was taken with: the release fits in the caller's time budget.
                await lease.ReleaseAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException or OperationCanceledException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
            {
                // The work done under the lease stands; the lease ends by itself.
                Log.ReleaseFailed(logger, name, Describe(ex), duration);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.LeaseReleaseFailed, LogLevel.Warning, "Lease {Lease} was not released ({Detail}); it ends by itself within {Duration}. The work done under it stands.", EventName = "LeaseReleaseFailed")]
        public static partial void ReleaseFailed(ILogger logger, string lease, string detail, TimeSpan duration);
    }
}
