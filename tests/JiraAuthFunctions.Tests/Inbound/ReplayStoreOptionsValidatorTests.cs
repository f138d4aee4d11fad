using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Configuration;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>The replay store settings are checked at start: every mistake listed, each naming its key.</summary>
public sealed class ReplayStoreOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(ReplayStoreOptions options, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var result = new ReplayStoreOptionsValidator(configuration).Validate(null, options);
        return result.Failures?.ToList() ?? [];
    }

    [Fact]
    public void Memory_is_the_default_and_needs_nothing()
    {
        Assert.Empty(Errors(new ReplayStoreOptions()));
        Assert.False(new ReplayStoreOptions().UsesTable);
    }

    [Fact]
    public void Table_needs_a_storage_endpoint_and_a_valid_table_name_and_every_mistake_is_listed()
    {
        var errors = Errors(new ReplayStoreOptions { ReplayStore = "table", ReplayTableName = "9-bad" });

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("Storage:TableServiceUri", StringComparison.Ordinal) && e.Contains("Storage:ConnectionString", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:ReplayTableName", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Storage:TableServiceUri", "https://account.table.core.windows.net/")]
    [InlineData("Storage:ConnectionString", "UseDevelopmentStorage=true")]
    public void Table_with_an_endpoint_or_a_connection_string_is_valid(string key, string value)
    {
        Assert.Empty(Errors(new ReplayStoreOptions { ReplayStore = "Table" }, new() { [key] = value }));
    }

    [Fact]
    public void An_unknown_store_and_a_relative_uri_are_refused_with_their_keys()
    {
        Assert.Contains("Inbound:ReplayStore must be Memory or Table", Assert.Single(Errors(new ReplayStoreOptions { ReplayStore = "Redis" })), StringComparison.Ordinal);
        Assert.StartsWith("Storage:TableServiceUri must be an absolute URL", Assert.Single(Errors(new ReplayStoreOptions { ReplayStore = "Table" }, new() { ["Storage:TableServiceUri"] = "table.local" })), StringComparison.Ordinal);
    }
}
