using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Storage;
using Microsoft.Extensions.Options;
using Moq;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// The replay and revocation store settings (<c>Inbound:ReplayStore</c>, <c>Inbound:RevocationStore</c>) are
/// checked at start: every mistake listed, each naming its key; health lists the revocation list.
/// </summary>
public sealed class InboundStoresValidatorTests
{
    private static IReadOnlyList<string> Errors(InboundOptions options, StorageOptions? storage = null) =>
        new InboundStoresValidator(Options.Create(storage ?? new StorageOptions())).Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Memory_and_file_are_the_defaults_and_need_nothing()
    {
        var options = new InboundOptions();

        Assert.Empty(Errors(options));
        Assert.Equal((ReplayStoreKind.Memory, RevocationStoreKind.File), (options.ReplayStore, options.RevocationStore));
    }

    [Fact]
    public void A_replay_table_needs_a_storage_endpoint_and_a_valid_table_name_and_every_mistake_is_listed()
    {
        var errors = Errors(new InboundOptions { ReplayStore = ReplayStoreKind.Table, ReplayTableName = "9-bad" });

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Inbound:ReplayStore is Table: set Storage:TableServiceUri", StringComparison.Ordinal) && e.Contains("Storage:ConnectionString", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:ReplayTableName", StringComparison.Ordinal));
    }

    [Fact]
    public void A_revocation_table_needs_a_storage_endpoint_a_valid_table_and_a_poll_interval_of_at_most_a_minute_and_every_mistake_is_listed()
    {
        var errors = Errors(new InboundOptions { RevocationStore = RevocationStoreKind.Table, ReplayTableName = "9-bad", RevocationPollInterval = TimeSpan.FromMinutes(5) });

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Inbound:RevocationStore is Table: set Storage:TableServiceUri", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:ReplayTableName", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Inbound:RevocationPollInterval must be between 00:00:01 and 00:01:00", StringComparison.Ordinal));
    }

    public static TheoryData<StorageOptions> Reachable => new()
    {
        new StorageOptions { TableServiceUri = new Uri("https://account.table.core.windows.net/") },
        new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" },
    };

    [Theory]
    [MemberData(nameof(Reachable))]
    public void Tables_with_an_endpoint_or_a_connection_string_are_valid(StorageOptions storage)
    {
        Assert.Empty(Errors(new InboundOptions { ReplayStore = ReplayStoreKind.Table, RevocationStore = RevocationStoreKind.Table }, storage));
    }

    [Fact]
    public void A_storage_section_that_does_not_validate_is_left_to_its_own_validator()
    {
        var invalid = new Mock<IOptions<StorageOptions>>();
        invalid.Setup(o => o.Value).Throws(new OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), ["Storage:TableServiceUri must be an absolute URL"]));

        Assert.Null(new InboundStoresValidator(invalid.Object).Validate(null, new InboundOptions { ReplayStore = ReplayStoreKind.Table }).Failures);
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

    [Theory]
    [InlineData("Inbound:RevocationStore", "Blob", "Inbound:RevocationStore: not a valid value; expected one of File, Table")]
    [InlineData("Inbound:ReplayStore", "Redis", "Inbound:ReplayStore: not a valid value; expected one of Memory, Table")]
    [InlineData("Inbound:ReplayStore", "1", "Inbound:ReplayStore: not a valid value; expected one of Memory, Table")]
    public async Task A_bad_store_setting_stops_the_start_naming_the_key(string key, string value, string expected)
    {
        await using var factory = new HandlerFactory();
        factory.Settings[key] = value;

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
