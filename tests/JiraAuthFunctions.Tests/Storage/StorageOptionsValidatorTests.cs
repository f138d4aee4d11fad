using JiraAuthFunctions.Storage;

namespace JiraAuthFunctions.Tests.Storage;

/// <summary>The Storage section is checked at start whoever uses it: each URL given must be an absolute http(s) URL.</summary>
public sealed class StorageOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(StorageOptions options) =>
        new StorageOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Nothing_set_and_absolute_urls_are_valid()
    {
        Assert.Empty(Errors(new StorageOptions()));
        Assert.Empty(Errors(new StorageOptions
        {
            BlobServiceUri = new Uri("https://acct.blob.core.windows.net/"),
            QueueServiceUri = new Uri("https://acct.queue.core.windows.net/"),
            TableServiceUri = new Uri("http://127.0.0.1:10002/devstoreaccount1"),
        }));
    }

    [Fact]
    public void Every_relative_or_non_http_url_is_named_without_echoing_it()
    {
        var errors = Errors(new StorageOptions
        {
            BlobServiceUri = new Uri("blob.local", UriKind.Relative),
            QueueServiceUri = new Uri("ftp://acct.queue.core.windows.net/?sig=secret-sas"),
            TableServiceUri = new Uri("table.local", UriKind.Relative),
        });

        Assert.Equal(
            [
                "Storage:BlobServiceUri must be an absolute URL, e.g. https://<account>.blob.core.windows.net/.",
                "Storage:QueueServiceUri must be an absolute URL, e.g. https://<account>.queue.core.windows.net/.",
                "Storage:TableServiceUri must be an absolute URL, e.g. https://<account>.table.core.windows.net/.",
            ],
            errors);
    }

    [Fact]
    public void A_service_is_reached_by_the_connection_string_or_its_own_url_and_a_user_names_what_to_set()
    {
        var errors = new List<string>();
        new StorageOptions { TableServiceUri = new Uri("https://acct.table.core.windows.net/") }.Require(StorageService.Queue, "Events:Sink is Queue", errors);
        new StorageOptions { TableServiceUri = new Uri("https://acct.table.core.windows.net/") }.Require(StorageService.Table, "Inbound:ReplayStore is Table", errors);
        new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" }.Require(StorageService.Blob, "leases", errors);

        Assert.Equal(["Events:Sink is Queue: set Storage:QueueServiceUri (the managed identity signs in) or Storage:ConnectionString (Azurite)."], errors);
    }
}
