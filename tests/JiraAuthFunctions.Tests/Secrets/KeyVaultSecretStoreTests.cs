using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Tests.Secrets;

/// <summary>
/// The Key Vault store with the real SecretClient (its pipeline: challenge, retries, paging, errors)
/// against a local vault that speaks the secrets REST protocol.
/// </summary>
public sealed class KeyVaultSecretStoreTests : IAsyncLifetime
{
    private FakeKeyVault _vault = null!;
    private readonly FakeKeyVault.StaticCredential _credential = new();
    private KeyVaultSecretStore _store = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeKeyVault.StartAsync();
        _store = new KeyVaultSecretStore(_vault.CreateClient(_credential));
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Set_get_latest_and_by_version_after_the_bearer_challenge()
    {
        var first = await _store.SetSecretAsync("inbound-ci", "value-one", new SecretAttributes { ContentType = "text/plain", Tags = new Dictionary<string, string> { ["integration"] = "ci" } });
        var second = await _store.SetSecretAsync("inbound-ci", "value-two");

        var latest = await _store.GetSecretAsync("inbound-ci");
        var byFirst = await _store.GetSecretAsync("inbound-ci", first.Version);

        Assert.Equal(("value-two", second.Version), (latest!.Value, latest.Properties.Version));
        Assert.Equal("value-one", byFirst!.Value);
        Assert.Equal("ci", byFirst.Properties.Tags["integration"]);
        Assert.Equal("text/plain", byFirst.Properties.ContentType);
        Assert.Equal(1, _vault.Count("challenge")); // once: the SDK keeps the challenge and the token
        Assert.Equal(1, _credential.Requests);
    }

    [Fact]
    public async Task Versions_are_listed_across_pages_newest_first()
    {
        var versions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            versions.Add((await _store.SetSecretAsync("inbound-ci", $"v{i}")).Version);
        }

        var listed = await _store.GetPropertiesOfSecretVersionsAsync("inbound-ci");

        Assert.Equal(Enumerable.Reverse(versions), listed.Select(v => v.Version));
        Assert.True(_vault.Count("list") >= 3); // pages of two, followed by nextLink
    }

    [Fact]
    public async Task A_missing_secret_or_version_is_null_or_empty_as_in_the_file_store()
    {
        await _store.SetSecretAsync("inbound-ci", "value");

        Assert.Null(await _store.GetSecretAsync("inbound-none"));
        Assert.Null(await _store.GetSecretAsync("inbound-ci", "0123456789abcdef0123456789abcdef"));
        Assert.Empty(await _store.GetPropertiesOfSecretVersionsAsync("inbound-none"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.UpdateSecretPropertiesAsync(new SecretProperties { Name = "inbound-ci", Version = "0123456789abcdef0123456789abcdef" }));
    }

    [Fact]
    public async Task Properties_are_updated_and_the_value_kept()
    {
        var expires = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var created = await _store.SetSecretAsync("inbound-ci", "value");

        await _store.UpdateSecretPropertiesAsync(created with { Enabled = false, ExpiresOn = expires, Tags = new Dictionary<string, string> { ["state"] = "previous" } });
        var read = await _store.GetSecretAsync("inbound-ci", created.Version);

        Assert.False(read!.Properties.Enabled);
        Assert.Equal(expires, read.Properties.ExpiresOn);
        Assert.Equal("previous", read.Properties.Tags["state"]);
        Assert.Equal("value", read.Value);
    }

    [Fact]
    public async Task Throttling_and_a_passing_server_error_are_retried_by_the_sdk()
    {
        await _store.SetSecretAsync("inbound-ci", "value");
        _vault.QueueFaults(429, 1);
        _vault.QueueFaults(503, 1);

        var read = await _store.GetSecretAsync("inbound-ci");

        Assert.Equal("value", read!.Value);
        Assert.Equal(2, _vault.Count("fault"));
    }

    [Fact]
    public async Task A_vault_that_stays_down_is_reported_without_any_value()
    {
        await _store.SetSecretAsync("inbound-ci", "the-value-never-shown");
        _vault.Down = 500;

        var error = await Assert.ThrowsAsync<SecretStoreUnavailableException>(() => _store.GetSecretAsync("inbound-ci"));

        Assert.Contains("status 500", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-value-never-shown", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, _vault.Count("fault")); // the SDK's three tries, then no more
    }

    [Fact]
    public async Task A_thousand_concurrent_requests_for_a_cold_secret_cause_one_read_of_each_version()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var previous = await _store.SetSecretAsync("inbound-ci", "previous");
        var current = await _store.SetSecretAsync("inbound-ci", "current");
        var source = new SharedSecretKeySource(_store, "inbound-ci", time, new LoggerFactory().CreateLogger("test"));
        var (gets, lists) = (_vault.Count("get"), _vault.Count("list"));

        var lookups = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => source.GetKeysAsync(i % 2 == 0 ? current.Version : previous.Version).AsTask()));

        Assert.All(lookups, l => Assert.Single(l.Keys));
        Assert.Equal(1, _vault.Count("list") - lists);
        Assert.Equal(2, _vault.Count("get") - gets);
    }

    [Fact]
    public async Task While_the_vault_is_down_held_keys_keep_verifying_and_the_failure_is_logged()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var current = await _store.SetSecretAsync("inbound-ci", "current-value-never-logged");
        var logs = new LogCapture();
        var source = new SharedSecretKeySource(_store, "inbound-ci", time, logs.CreateLogger("test"));
        Assert.Single((await source.GetKeysAsync(current.Version)).Keys);
        _vault.Down = 503;
        time.Advance(SharedSecretKeySource.RefreshInterval);

        var lookup = await source.GetKeysAsync(current.Version);

        Assert.Single(lookup.Keys);
        Assert.Single(logs.WithEventId(EventIds.SecretReadFailed));
        Assert.DoesNotContain("current-value-never-logged", logs.AllText(), StringComparison.Ordinal);
    }
}
