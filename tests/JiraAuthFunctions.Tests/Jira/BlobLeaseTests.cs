using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.OAuth;

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

    /// <summary>A provider whose lease releases go through <paramref name="faults"/> (the rest reaches Azurite).</summary>
    private BlobLeaseProvider InstanceWith(ReleaseFaults faults)
    {
        var options = BlobLeaseProvider.ClientOptions();
        options.Transport = new HttpClientTransport(new HttpClient(faults));
        return new(new BlobServiceClient(_azurite.ConnectionString, options).GetBlobContainerClient(BlobLeaseProvider.ContainerName));
    }

    [Fact]
    public async Task The_lease_container_deleted_while_running_is_created_again_on_the_next_run()
    {
        var provider = Instance();
        await (await provider.TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15)))!.DisposeAsync();

        await new BlobServiceClient(_azurite.ConnectionString).DeleteBlobContainerAsync(BlobLeaseProvider.ContainerName);
        await using var again = await provider.TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15));

        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_release_that_fails_after_the_sdk_retries_does_not_throw()
    {
        var faults = new ReleaseFaults { Fail = true };
        var held = await InstanceWith(faults).TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15));

        await held!.DisposeAsync(); // the lease ends by itself within its duration

        Assert.True(faults.Releases > 1, "the SDK retried the release");
    }

    [Fact]
    public async Task A_hanging_release_ends_with_the_token_the_lease_was_taken_with()
    {
        var faults = new ReleaseFaults { Hang = true };
        using var budget = new CancellationTokenSource();
        var held = await InstanceWith(faults).TryAcquireAsync("jira-cloud", TimeSpan.FromSeconds(15), budget.Token);

        await budget.CancelAsync(); // the run's budget is spent
        await held!.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, faults.Releases); // no retry after the budget ended
    }

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

    [Fact]
    public async Task A_renewal_whose_lease_release_fails_after_the_sdk_retries_is_still_a_success()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(time);
        var (renewer, store, folder) = await RenewerAsync(endpoint, time, InstanceWith(new ReleaseFaults { Fail = true }), new LogCapture());
        try
        {
            var failure = await Record.ExceptionAsync(() => renewer.RunAsync());

            Assert.Null(failure);
            Assert.Equal(1, endpoint.Refreshes);
            Assert.Equal(endpoint.CurrentRefreshToken, (await store.GetSecretAsync(JiraSecretNames.RefreshToken("cloud")))!.Value);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_expired_access_token_with_the_lease_store_down_is_reported_expired_and_logged_with_the_reason()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var endpoint = await FakeAtlassianTokenEndpoint.StartAsync(time);
        var logs = new LogCapture();
        // Nothing listens on this port: the storage account is unreachable.
        var down = System.Text.RegularExpressions.Regex.Replace(_azurite.ConnectionString, @"BlobEndpoint=http://127\.0\.0\.1:\d+", $"BlobEndpoint=http://127.0.0.1:{Ports.Free()}");
        var (renewer, store, folder) = await RenewerAsync(endpoint, time, new BlobLeaseProvider(new BlobServiceClient(down, BlobLeaseProvider.ClientOptions()).GetBlobContainerClient(BlobLeaseProvider.ContainerName)), logs);
        try
        {
            await store.SetSecretAsync(JiraSecretNames.AccessToken("cloud"), "at-old", new SecretAttributes { ExpiresOn = time.GetUtcNow().AddMinutes(-1) });

            await Record.ExceptionAsync(() => renewer.RunAsync());

            Assert.Equal("expired", (await renewer.States.GetAsync("cloud")).State);
            var line = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Warning && e["Connection"] == "cloud");
            Assert.Contains("lease", line.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("expired", line.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(JiraTokenRenewer Renewer, FileSecretStore Store, string Folder)> RenewerAsync(FakeAtlassianTokenEndpoint endpoint, TimeProvider time, ILeaseProvider leases, LogCapture logs)
    {
        var folder = Path.Combine(Path.GetTempPath(), "jiraauth-lease", Guid.NewGuid().ToString("N"));
        var options = new JiraOptions();
        options.Connections["cloud"] = new JiraConnectionOptions { ClientId = endpoint.ClientId, TokenEndpoint = endpoint.Uri };
        var store = new FileSecretStore(Path.Combine(folder, "secrets.json"), time);
        await store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), endpoint.ClientSecret);
        await store.SetSecretAsync(JiraSecretNames.RefreshToken("cloud"), endpoint.CurrentRefreshToken);
        var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        return (new JiraTokenRenewer(Options.Create(options), store, leases, new AtlassianTokenClient(new HttpClient()), time, factory.CreateLogger<JiraTokenRenewer>()), store, folder);
    }

    /// <summary>Lets every request through to Azurite except lease releases, which fail as a broken connection does, or hang.</summary>
    private sealed class ReleaseFaults() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _releases;

        public bool Fail { get; init; }
        public bool Hang { get; init; }
        public int Releases => Volatile.Read(ref _releases);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.TryGetValues("x-ms-lease-action", out var action) && action.Single() == "release")
            {
                Interlocked.Increment(ref _releases);
                if (Hang)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                }

                if (Fail)
                {
                    throw new HttpRequestException("connection reset (test)");
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
