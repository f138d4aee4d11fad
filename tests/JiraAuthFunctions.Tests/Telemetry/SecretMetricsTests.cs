using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tests.Telemetry;

/// <summary>
/// Key Vault reads, cache hits and errors as metrics: the real SecretClient against the vault fake,
/// counted by secret kind (never by name or value, so the series stay few).
/// </summary>
public sealed class SecretMetricsTests : IAsyncLifetime
{
    private const string Value = "metric-secret-never-a-tag";
    private readonly MetricRecorder _recorder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
    private FakeKeyVault _vault = null!;
    private MeteredSecretStore _store = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeKeyVault.StartAsync();
        var inbound = new InboundOptions();
        inbound.Integrations["ci"] = new IntegrationOptions { Verification = VerificationMethod.SharedSecret, SharedSecretName = "ci-hmac" };
        _store = new MeteredSecretStore(new KeyVaultSecretStore(_vault.CreateClient()), new SecretKinds(inbound, new SigningKeyOptions()), _recorder.Metrics);
    }

    public async Task DisposeAsync()
    {
        await _vault.DisposeAsync();
        _recorder.Dispose();
    }

    [Fact]
    public async Task Reads_hits_misses_and_errors_are_counted_by_kind()
    {
        await _store.SetSecretAsync("ci-hmac", Value);
        var source = new SharedSecretKeySource(_store, "ci-hmac", _time, NullLogger.Instance, _recorder.Metrics);

        await source.GetKeysAsync(null);                // cold: list + get from the vault
        await source.GetKeysAsync(null);                // held
        _time.Advance(SharedSecretKeySource.RefreshInterval);
        _vault.Down = 503;
        await source.GetKeysAsync(null);                // due: the read fails, held keys keep serving

        var reads = _recorder.Of("jiraauth.secrets.reads");
        Assert.Equal(1, reads.Count(r => r["kind"] == "shared_secret" && r["operation"] == "list" && r["outcome"] == "ok"));
        Assert.Equal(1, reads.Count(r => r["kind"] == "shared_secret" && r["operation"] == "get" && r["outcome"] == "ok"));
        Assert.Equal(1, reads.Count(r => r["kind"] == "shared_secret" && r["operation"] == "list" && r["outcome"] == "error"));
        var cache = _recorder.Of("jiraauth.secrets.cache");
        Assert.Equal(["miss", "hit", "miss"], cache.Where(c => c["kind"] == "shared_secret").Select(c => c["result"]));
        var writes = _recorder.Of("jiraauth.secrets.writes");
        Assert.Single(writes, w => w["kind"] == "shared_secret" && w["operation"] == "set" && w["outcome"] == "ok");
        Assert.DoesNotContain(reads.Concat(cache).Concat(writes).SelectMany(m => m.Tags.Values), v => v is "ci-hmac" or Value);
    }

    [Fact]
    public async Task A_missing_secret_is_not_found_and_each_name_maps_to_its_kind()
    {
        Assert.Null(await _store.GetSecretAsync("jira-cloud-refresh-token"));
        await _store.GetPropertiesOfSecretVersionsAsync("signing-key");
        await _store.GetSecretAsync("jira-cloud-client-secret");
        await _store.GetSecretAsync("jira-cloud-access-token");
        await _store.GetSecretAsync("inbound-other");
        await _store.GetSecretAsync("something-else");

        var reads = _recorder.Of("jiraauth.secrets.reads");
        Assert.All(reads, r => Assert.Equal("not_found", r["outcome"]));
        Assert.Equal(["jira_refresh_token", "signing_key", "jira_client_secret", "jira_access_token", "shared_secret", "other"], reads.Select(r => r["kind"]));
    }

    [Fact]
    public async Task The_published_signing_keys_count_hits_and_misses()
    {
        var ring = new SigningKeyRing(_store, Microsoft.Extensions.Options.Options.Create(new SigningKeyOptions()), _time, _recorder.Metrics);
        await new SigningKeyRotator(ring, _store, new JiraAuthFunctions.Leases.ProcessLeaseProvider(), _time, NullLogger<SigningKeyRotator>.Instance).RunAsync();

        await ring.GetPublishedAsync();
        await ring.GetPublishedAsync();
        _time.Advance(SigningKeyRing.CacheDuration);
        await ring.GetPublishedAsync();

        Assert.Equal(["miss", "hit", "miss"], _recorder.Of("jiraauth.secrets.cache").Where(c => c["kind"] == "signing_key").Select(c => c["result"]));
        Assert.Contains(_recorder.Of("jiraauth.secrets.writes"), w => w["kind"] == "signing_key" && w["operation"] == "set");
    }
}
