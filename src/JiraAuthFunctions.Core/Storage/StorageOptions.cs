using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Storage;

/// <summary>
/// The storage account every storage user of the app reaches (section <c>Storage</c>): the replay
/// table, the revocation table, the delivery log, the queue sink and its overflow blobs, the renewal
/// leases. A connection string (Azurite locally, or a key where one is allowed) wins; otherwise each
/// service's URL with the app's identity (the host's <c>AzureCredentials</c>). The host makes every
/// storage client from these settings in one place (<c>StorageClients</c>); the CLI reads them too.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>A storage connection string, e.g. <c>UseDevelopmentStorage=true</c> for Azurite. Set: no identity is used, the URLs below are ignored.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob endpoint, <c>https://&lt;account&gt;.blob.core.windows.net/</c>: renewal leases, and events too large for a queue message.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>The queue endpoint, <c>https://&lt;account&gt;.queue.core.windows.net/</c>: the queue sink (<c>Events:Sink</c> = Queue).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>The table endpoint, <c>https://&lt;account&gt;.table.core.windows.net/</c>: the replay and revocation tables.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>A connection string is set: it reaches every service, no identity signs in.</summary>
    public bool UsesConnectionString => !string.IsNullOrEmpty(ConnectionString);

    /// <summary>The service can be reached: by the connection string, or by its URL.</summary>
    public bool Reaches(StorageService service) => UsesConnectionString || ServiceUri(service) is not null;

    /// <summary>The URL setting of <paramref name="service"/>.</summary>
    public Uri? ServiceUri(StorageService service) => service switch
    {
        StorageService.Blob => BlobServiceUri,
        StorageService.Queue => QueueServiceUri,
        StorageService.Table => TableServiceUri,
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    /// <summary>The full key of the URL setting of <paramref name="service"/>, e.g. <c>Storage:TableServiceUri</c>.</summary>
    public static string ServiceUriKey(StorageService service) => $"{SectionName}:{service}ServiceUri";

    /// <summary>
    /// The settings, or null when the section does not bind or validate: its own validator reports that,
    /// so a validator of another section that needs storage adds nothing (one mistake, one message).
    /// </summary>
    public static StorageOptions? IfValid(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return options.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds a message naming the settings to set when <paramref name="service"/> cannot be reached:
    /// what a user of storage (<paramref name="owner"/>, e.g. <c>Inbound:ReplayStore is Table</c>) checks at start.
    /// </summary>
    public void Require(StorageService service, string owner, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!Reaches(service))
        {
            errors.Add($"{owner}: set {ServiceUriKey(service)} (the managed identity signs in) or {SectionName}:ConnectionString (Azurite).");
        }
    }
}

/// <summary>The storage services the app uses.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}
