using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Core.Tests.Signing;

/// <summary>The published signing keys held in memory, over the real file store; a counting wrapper shows how often it reads.</summary>
public sealed class SigningKeyRingTests : IDisposable
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly CountingSecretStore _store;
    private readonly SignalLogger<SigningKeyRing> _log = new();

    public SigningKeyRingTests()
    {
        _store = new CountingSecretStore(new FileSecretStore(_folder.File("secrets.json"), _time));
    }

    public void Dispose() => _folder.Dispose();

    private SigningKeyRing Ring(SigningKeyOptions? options = null) => new(_store, Options.Create(options ?? new SigningKeyOptions()), _time, logger: _log);

    private async Task RotateAsync() =>
        await new SigningKeyRotator(Ring(), _store, new ProcessLeaseProvider(), _time, NullLogger<SigningKeyRotator>.Instance).RunAsync();

    [Fact]
    public async Task Twenty_concurrent_requests_read_the_store_once()
    {
        await RotateAsync();
        var ring = Ring();
        var reads = _store.ListCalls;
        _store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var lookups = Enumerable.Range(0, 20).Select(_ => ring.GetPublishedAsync()).ToList();
        _store.Gate.SetResult();
        await Task.WhenAll(lookups);

        Assert.Equal(reads + 1, _store.ListCalls);
        Assert.All(lookups, l => Assert.NotEmpty(l.Result));
    }

    [Fact]
    public async Task The_refresh_interval_comes_from_the_settings()
    {
        await RotateAsync();
        var ring = Ring(new SigningKeyOptions { Cache = SigningKeyRing.DefaultCache with { RefreshInterval = TimeSpan.FromMinutes(5), MinRefetchInterval = TimeSpan.FromMinutes(5) } });
        await ring.GetPublishedAsync();
        var reads = _store.ListCalls;

        _time.Advance(SigningKeyRing.CacheDuration);
        await ring.GetPublishedAsync();
        Assert.Equal(reads, _store.ListCalls);
        _time.Advance(TimeSpan.FromMinutes(4));
        await ring.GetPublishedAsync();
        Assert.Equal(reads + 1, _store.ListCalls);
    }

    [Fact]
    public async Task A_failed_read_with_nothing_usable_held_throws_logs_and_says_keys_unavailable_in_health()
    {
        await RotateAsync();
        var ring = Ring();
        await ring.GetPublishedAsync();
        _store.Failure = new IOException("disk says the-key-material");
        _time.Advance(SigningKeyRing.CacheDuration);

        var error = await Assert.ThrowsAsync<SecretStoreUnavailableException>(() => ring.GetPublishedAsync());

        Assert.DoesNotContain("the-key-material", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _log.Count(EventIds.SigningKeysReadFailed));
        var health = await ring.CheckAsync();
        Assert.Equal(("signing-keys", HealthStatus.Degraded), (health.Name, health.Status)); // the store's outage: reported as secretStore
        Assert.StartsWith($"keys_unavailable: fetch failing ({nameof(IOException)})", health.Detail, StringComparison.Ordinal);

        _store.Failure = null;
        _time.Advance(SigningKeyRing.DefaultCache.FailureBackoff);
        Assert.NotEmpty(await ring.GetPublishedAsync());
        Assert.Equal(HealthStatus.Healthy, (await ring.CheckAsync()).Status);
    }

    [Fact]
    public async Task With_a_staleness_held_keys_serve_through_a_failed_read()
    {
        await RotateAsync();
        var ring = Ring(new SigningKeyOptions { Cache = SigningKeyRing.DefaultCache with { MaxStaleness = TimeSpan.FromMinutes(10) } });
        var held = await ring.GetPublishedAsync();
        _store.Failure = new IOException("down");
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(held, await ring.GetPublishedAsync());
        Assert.Equal(HealthStatus.Degraded, (await ring.CheckAsync()).Status);
    }
}
