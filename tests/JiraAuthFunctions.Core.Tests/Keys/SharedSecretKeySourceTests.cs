using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Core.Tests.Keys;

/// <summary>The shared-secret key source over the real file store; a counting wrapper shows how often it reads.</summary>
public sealed class SharedSecretKeySourceTests : IDisposable
{
    private const string Name = "inbound-ci";
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly CountingSecretStore _store;
    private readonly SignalLogger<SharedSecretKeySource> _log = new();
    private readonly SharedSecretKeySource _source;

    public SharedSecretKeySourceTests()
    {
        _store = new CountingSecretStore(new FileSecretStore(_folder.File("secrets.json"), _time));
        _source = new SharedSecretKeySource(_store, Name, _time, _log);
    }

    public void Dispose() => _folder.Dispose();

    private async Task<string> AddVersionAsync(string value, SecretAttributes? attributes = null)
    {
        var version = (await _store.SetSecretAsync(Name, value, attributes)).Version;
        _time.Advance(TimeSpan.FromSeconds(1)); // versions are ordered by creation time
        return version;
    }

    private async Task<string[]> KidsAsync(string? kid = null) =>
        [.. (await _source.GetKeysAsync(kid)).Keys.Select(k => k.Kid!)];

    [Fact]
    public async Task The_current_and_the_previous_version_verify_an_older_one_does_not()
    {
        var v1 = await AddVersionAsync("secret-one");
        var v2 = await AddVersionAsync("secret-two");
        var v3 = await AddVersionAsync("secret-three");

        Assert.Equal([v3, v2], await KidsAsync());
        Assert.Empty(await KidsAsync(v1));
        Assert.Equal([v2], await KidsAsync(v2));
    }

    [Fact]
    public async Task Disabled_expired_and_not_yet_valid_versions_are_not_offered()
    {
        var good = await AddVersionAsync("good");
        await AddVersionAsync("disabled", new SecretAttributes { Enabled = false });
        await AddVersionAsync("expired", new SecretAttributes { ExpiresOn = _time.GetUtcNow() - TimeSpan.FromMinutes(1) });
        await AddVersionAsync("later", new SecretAttributes { NotBefore = _time.GetUtcNow() + TimeSpan.FromDays(1) });

        Assert.Equal([good], await KidsAsync());
    }

    [Fact]
    public async Task A_version_that_expires_while_held_stops_verifying_at_once()
    {
        var expiring = await AddVersionAsync("expiring", new SecretAttributes { ExpiresOn = _time.GetUtcNow() + TimeSpan.FromSeconds(10) });
        Assert.Equal([expiring], await KidsAsync());

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await KidsAsync());
    }

    [Fact]
    public async Task Load_never_turns_into_store_reads_within_the_refresh_interval()
    {
        var v1 = await AddVersionAsync("one");
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => _source.GetKeysAsync(v1).AsTask()));
        Assert.Equal(1, _store.ListCalls);

        _time.Advance(SharedSecretKeySource.RefreshInterval);
        await _source.GetKeysAsync(v1);

        Assert.Equal(2, _store.ListCalls);
    }

    [Fact]
    public async Task Concurrent_lookups_on_a_cold_source_make_one_read()
    {
        var v1 = await AddVersionAsync("one");
        _store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var lookups = Enumerable.Range(0, 50).Select(_ => _source.GetKeysAsync(v1).AsTask()).ToList();
        _store.Gate.SetResult();
        await Task.WhenAll(lookups);

        Assert.Equal(1, _store.ListCalls);
        Assert.All(lookups, l => Assert.Single(l.Result.Keys));
    }

    [Fact]
    public async Task A_new_version_named_by_a_token_is_read_early_but_at_most_once_per_interval()
    {
        await AddVersionAsync("one");
        await _source.GetKeysAsync(null);
        var v2 = await AddVersionAsync("two");
        _time.Advance(SharedSecretKeySource.MinRefetchInterval);

        Assert.Equal([v2], await KidsAsync(v2));
        Assert.Equal(2, _store.ListCalls);

        for (var i = 0; i < 20; i++)
        {
            Assert.Empty(await KidsAsync($"unknown-{i}"));
        }

        Assert.Equal(2, _store.ListCalls);
    }

    [Fact]
    public async Task A_failing_store_leaves_the_held_keys_serving_and_logs_without_the_value()
    {
        var v1 = await AddVersionAsync("the-secret-value-never-logged");
        await _source.GetKeysAsync(v1);
        _store.Failure = new InvalidOperationException("store says: the-secret-value-never-logged");
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        var lookup = await _source.GetKeysAsync(v1);

        Assert.Single(lookup.Keys);
        Assert.Equal(1, _log.Count(EventIds.SecretReadFailed));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("the-secret-value-never-logged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Held_keys_serve_through_an_outage_for_a_bounded_time_then_the_source_is_unavailable()
    {
        var v1 = await AddVersionAsync("one");
        await _source.GetKeysAsync(v1);
        _store.Failure = new IOException("store down");

        _time.Advance(SharedSecretKeySource.RefreshInterval + SharedSecretKeySource.MaxStaleness);
        Assert.Single((await _source.GetKeysAsync(v1)).Keys);
        var readsDuringOutage = _store.ListCalls;
        _time.Advance(SharedSecretKeySource.MinRefetchInterval);
        var late = await _source.GetKeysAsync(v1);

        Assert.True(late.Unavailable);
        Assert.Equal(readsDuringOutage + 1, _store.ListCalls); // retried after the short interval, not the long one
        _store.Failure = null;
        _time.Advance(SharedSecretKeySource.MinRefetchInterval);
        Assert.Single((await _source.GetKeysAsync(v1)).Keys); // back as soon as the store answers
    }

    [Fact]
    public async Task A_store_that_fails_before_any_read_makes_the_keys_unavailable()
    {
        _store.Failure = new IOException("disk gone");

        var lookup = await _source.GetKeysAsync("v1");

        Assert.True(lookup.Unavailable);
    }

    [Fact]
    public async Task A_missing_secret_gives_no_keys()
    {
        var lookup = await _source.GetKeysAsync(null);

        Assert.False(lookup.Unavailable);
        Assert.Empty(lookup.Keys);
    }

    [Fact]
    public async Task The_intervals_come_from_the_settings()
    {
        var settings = SharedSecretKeySource.DefaultCache with { RefreshInterval = TimeSpan.FromMinutes(20), MaxStaleness = TimeSpan.FromMinutes(10) };
        var source = new SharedSecretKeySource(_store, Name, _time, _log, cache: settings);
        var v1 = await AddVersionAsync("one");
        await source.GetKeysAsync(v1);
        var reads = _store.ListCalls;

        _time.Advance(SharedSecretKeySource.RefreshInterval);
        await source.GetKeysAsync(v1);
        Assert.Equal(reads, _store.ListCalls);

        _store.Failure = new IOException("store down");
        _time.Advance(TimeSpan.FromMinutes(25));
        Assert.Single((await source.GetKeysAsync(v1)).Keys); // 30 minutes: within 20 + 10
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await source.GetKeysAsync(v1)).Unavailable);
    }

    [Fact]
    public async Task Health_says_when_held_keys_stop_verifying_while_the_store_fails()
    {
        var source = new SharedSecretKeySource(_store, Name, _time, _log, name: "shared-secret:ci");
        var v1 = await AddVersionAsync("one");
        await source.GetKeysAsync(v1);
        var loadedAt = _time.GetUtcNow();
        Assert.Equal(JiraAuthFunctions.Health.HealthStatus.Healthy, (await source.CheckAsync()).Status);
        _store.Failure = new IOException("store down");
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        await source.GetKeysAsync(v1);
        var health = await source.CheckAsync();

        Assert.Equal("shared-secret:ci", health.Name);
        Assert.Equal(JiraAuthFunctions.Health.HealthStatus.Degraded, health.Status);
        Assert.Equal(loadedAt, health.LastSuccess);
        Assert.DoesNotContain(Name, health.Detail, StringComparison.Ordinal);
    }
}
