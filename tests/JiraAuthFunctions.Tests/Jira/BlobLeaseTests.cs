using Azure.Storage.Blobs;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>Blob leases against Azurite: the real Azure Storage emulator and the real SDK.</summary>
public sealed class BlobLeaseTests : IAsyncLifetime
{
    private Azurite _azurite = null!;

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    /// <summary>A provider as one instance of the app has it: its own client.</summary>
    private BlobLeaseProvider Instance() =>
        new(new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(BlobLeaseProvider.ContainerName));

    [Fact]
    public async Task A_held_lease_is_refused_to_another_instance_until_released()
    {
        var first = Instance();
        var second = Instance();

        var held = await first.TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15));
        var refused = await second.TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15));
        var other = await second.TryAcquireAsync("jira-other", TimeSpan.FromSeconds(15));
        await held!.DisposeAsync();
        var after = await second.TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15));

        Assert.NotNull(held);
        Assert.Null(refused);
        Assert.NotNull(other);
        Assert.NotNull(after);
        await other!.DisposeAsync();
        await after!.DisposeAsync();
    }

    [Fact]
    public async Task Eight_instances_with_their_own_lease_clients_refresh_once_per_period()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(time);
        var folder = Path.Combine(Path.GetTempPath(), "jiraauth-lease", Guid.NewGuid().ToString("N"));
        var options = new JiraOptions();
        options.Connections["cloud"] = new JiraConnectionOptions { ClientId = endpoint.ClientId, TokenEndpoint = endpoint.Uri };
        var seed = new FileSecretStore(Path.Combine(folder, "secrets.json"), time);
        await seed.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), endpoint.ClientSecret);
        await seed.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), endpoint.CurrentRefreshToken);
        var instances = Enumerable.Range(0, 8).Select(_ => new JiraTokenRenewer(
            Options.Create(options),
            new FileSecretStore(Path.Combine(folder, "secrets.json"), time),
            Instance(),
            new AtlassianTokenClient(new HttpClient()),
            time,
            NullLogger<JiraTokenRenewer>.Instance)).ToList();

        try
        {
            for (var period = 1; period <= 6; period++)
            {
                await Task.WhenAll(instances.Select(i => i.RunAsync()));
                Assert.Equal(period, endpoint.Refreshes);
                time.Advance(TimeSpan.FromMinutes(50));
            }

            Assert.Equal(0, endpoint.InvalidGrants);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
