using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Storage;

/// <summary>
/// Makes every storage client of the app from <see cref="StorageOptions"/>: the connection string when
/// set (Azurite; no identity), else the service's URL with the app's credential (<see cref="AzureCredentials"/>).
/// Which services a feature needs is checked at start by its own validator (<see cref="StorageOptions.Require"/>).
/// </summary>
public sealed class StorageClients(IOptions<StorageOptions> options, Func<TokenCredential> credential)
{
    private StorageOptions Settings => options.Value;

    /// <summary>A connection string is set: the clients may create what is missing (the deployment creates it in Azure).</summary>
    public bool UsesConnectionString => Settings.UsesConnectionString;

    public TableClient Table(string tableName, TableClientOptions clientOptions) => Settings.UsesConnectionString
        ? new TableClient(Settings.ConnectionString, tableName, clientOptions)
        : new TableServiceClient(ServiceUri(StorageService.Table), credential(), clientOptions).GetTableClient(tableName);

    public QueueClient Queue(string queueName, QueueClientOptions clientOptions) => Settings.UsesConnectionString
        ? new QueueClient(Settings.ConnectionString, queueName, clientOptions)
        : new QueueServiceClient(ServiceUri(StorageService.Queue), credential(), clientOptions).GetQueueClient(queueName);

    public BlobContainerClient BlobContainer(string containerName, BlobClientOptions clientOptions) => Settings.UsesConnectionString
        ? new BlobContainerClient(Settings.ConnectionString, containerName, clientOptions)
        : new BlobServiceClient(ServiceUri(StorageService.Blob), credential(), clientOptions).GetBlobContainerClient(containerName);

    // Validated at start by the feature that needs the service; reaching here without it is a bug.
    private Uri ServiceUri(StorageService service) =>
        Settings.ServiceUri(service) ?? throw new InvalidOperationException($"{StorageOptions.ServiceUriKey(service)} is not set (nor {StorageOptions.SectionName}:ConnectionString).");
}

/// <summary>The entry point for storage: the <c>Storage</c> section, validated at start, and <see cref="StorageClients"/>.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the storage settings and clients (once, whoever asks first) and the app's Azure credential.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAzureCredential(configuration);
        services.AddSettings<StorageOptions, StorageOptionsValidator>(configuration, StorageOptions.SectionName);
        services.TryAddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>(), sp.GetRequiredService<TokenCredential>));
        return services;
    }
}
