using System.Text.Json;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Configuration;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>The revocation store settings are checked at start, every mistake listed with its key; health lists the list.</summary>
public sealed class RevocationStoreOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(RevocationStoreOptions options, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        return new RevocationStoreOptionsValidator(configuration).Validate(null, options).Failures?.ToList() ?? [];
    }

    [Fact]
    public void File_is_the_default_and_needs_nothing()
    {
        Assert.Empty(Errors(new RevocationStoreOptions()));
        Assert.False(new RevocationStoreOptions().UsesTable);
    }

    [Fact]
    public void Table_needs_a_storage_endpoint_a_valid_table_and_a_poll_interval_of_at_most_a_minute_and_every_mistake_is_listed()
    {
        var errors = Errors(new RevocationStoreOptions { RevocationStore = "table", ReplayTableName = "9-bad", RevocationPollInterval = TimeSpan.FromMinutes(5) });

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Inbound:RevocationStore is Table: set Storage:TableServiceUri", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:ReplayTableName", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:RevocationPollInterval must be between 00:00:01 and 00:01:00", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Storage:TableServiceUri", "https://account.table.core.windows.net/")]
    [InlineData("Storage:ConnectionString", "UseDevelopmentStorage=true")]
    public void Table_with_an_endpoint_or_a_connection_string_is_valid(string key, string value)
    {
        Assert.Empty(Errors(new RevocationStoreOptions { RevocationStore = "Table" }, new() { [key] = value }));
    }

    [Fact]
    public void An_unknown_store_is_refused_with_its_key()
    {
        Assert.Equal("Inbound:RevocationStore must be File or Table; it is 'KeyVault'.", Assert.Single(Errors(new RevocationStoreOptions { RevocationStore = "KeyVault" })));
    }

    [Fact]
    public async Task Health_lists_the_revocation_list_as_ok_with_its_last_success()
    {
        await using var factory = new HandlerFactory();
        var client = factory.CreateClient();

        using var health = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/health", UriKind.Relative)));

        var revocations = health.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == RevocationHealth.Name);
        Assert.Equal("ok", revocations.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.String, revocations.GetProperty("lastSuccess").ValueKind);
    }

    [Fact]
    public async Task A_bad_revocation_store_setting_stops_the_start_naming_the_key()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:RevocationStore"] = "Blob";

        var error = Assert.ThrowsAny<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Inbound:RevocationStore must be File or Table", error.Message, StringComparison.Ordinal);
    }
}
