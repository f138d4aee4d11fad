using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>Tenants over the real file store; a counting wrapper shows how often the store is read.</summary>
public sealed class ConnectTenantsTests : IDisposable
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly CountingSecretStore _store;
    private readonly SignalLogger<ConnectTenants> _log = new();
    private readonly ConnectTenants _tenants;

    public ConnectTenantsTests()
    {
        _store = new CountingSecretStore(new FileSecretStore(_folder.File("secrets.json"), _time));
        _tenants = new ConnectTenants(_store, "app", _time, _log);
    }

    public void Dispose() => _folder.Dispose();

    private static ConnectTenant Tenant(string clientKey = "client-1", string secret = "shared-secret-1") => new(clientKey, "https://site.atlassian.net", secret);

    [Fact]
    public void Secret_name_is_valid_for_key_vault_for_any_client_key()
    {
        foreach (var clientKey in new[] { "a", "jira:1234-5678", new string('x', 1000), "ключ/../\u0000", "" })
        {
            var name = ConnectTenants.SecretNameFor("my-app", clientKey);
            Assert.True(SecretNames.IsValid(name), name);
            Assert.Matches("^connect-my-app-[0-9a-f]{32}$", name);
        }

        Assert.NotEqual(ConnectTenants.SecretNameFor("app", "a"), ConnectTenants.SecretNameFor("app", "b"));
        Assert.NotEqual(ConnectTenants.SecretNameFor("app", "a"), ConnectTenants.SecretNameFor("other", "a"));
    }

    [Fact]
    public void A_copy_made_with_with_builds_its_own_key_and_context_rather_than_sharing_the_originals()
    {
        var tenant = Tenant() with { Installation = new ConnectInstallation(new Dictionary<string, string> { ["productType"] = "jira" }) };
        Assert.Equal([new("connect.clientKey", "client-1"), new("connect.baseUrl", "https://site.atlassian.net")], tenant.Context);
        Assert.Same(tenant.Key, Assert.Single(tenant.Keys));

        var moved = tenant with { ClientKey = "client-2", BaseUrl = "https://moved.atlassian.net", SharedSecret = "shared-secret-2" };

        Assert.Equal([new("connect.clientKey", "client-2"), new("connect.baseUrl", "https://moved.atlassian.net")], moved.Context);
        Assert.NotSame(tenant.Key, moved.Key);
        Assert.Same(moved.Key, Assert.Single(moved.Keys));
        Assert.Equal(("client-2", "https://moved.atlassian.net", "shared-secret-2"), (moved.ClientKey, moved.BaseUrl, moved.SharedSecret));
        Assert.Same(tenant.Installation, moved.Installation);
    }

    [Fact]
    public async Task A_saved_tenant_is_found_by_another_instance_and_stored_as_one_json_secret()
    {
        await _tenants.SaveAsync(Tenant());
        var other = new ConnectTenants(_store, "app", _time, _log);

        var found = await other.FindAsync("client-1");

        Assert.Equal(Tenant(), found.Tenant);
        var stored = await _store.GetSecretAsync(ConnectTenants.SecretNameFor("app", "client-1"));
        Assert.Equal("""{"clientKey":"client-1","baseUrl":"https://site.atlassian.net","sharedSecret":"shared-secret-1"}""", stored!.Value);
        Assert.Equal("application/json", stored.Properties.ContentType);
        Assert.DoesNotContain("shared-secret-1", found.Tenant!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rest_of_the_install_payload_is_stored_with_the_tenant_and_read_back()
    {
        var installation = new ConnectInstallation(new Dictionary<string, string>
        {
            ["key"] = "com.example.app",
            ["oauthClientId"] = "oauth-client-1",
            ["displayUrl"] = "https://issues.example.com",
            ["productType"] = "jira",
            ["serverVersion"] = "100250",
        });
        await _tenants.SaveAsync(Tenant() with { Installation = installation });
        var other = new ConnectTenants(_store, "app", _time, _log);

        var found = (await other.FindAsync("client-1")).Tenant!;

        Assert.Equal(installation, found.Installation);
        Assert.Equal("oauth-client-1", found.Installation!.OauthClientId);
        Assert.Equal("https://issues.example.com", found.Installation.DisplayUrl);
        Assert.Equal("jira", found.Installation.ProductType);
        Assert.Equal("100250", found.Installation.ServerVersion);
        var stored = await _store.GetSecretAsync(ConnectTenants.SecretNameFor("app", "client-1"));
        Assert.Equal(
            """{"clientKey":"client-1","baseUrl":"https://site.atlassian.net","sharedSecret":"shared-secret-1","installation":{"key":"com.example.app","oauthClientId":"oauth-client-1","displayUrl":"https://issues.example.com","productType":"jira","serverVersion":"100250"}}""",
            stored!.Value);
    }

    [Fact]
    public async Task A_tenant_stored_before_the_install_payload_was_kept_is_still_read()
    {
        await _store.SetSecretAsync(ConnectTenants.SecretNameFor("app", "client-1"), """{"clientKey":"client-1","baseUrl":"https://site.atlassian.net","sharedSecret":"shared-secret-1"}""");

        var found = (await _tenants.FindAsync("client-1")).Tenant;

        Assert.Equal(Tenant(), found);
        Assert.Null(found!.Installation);
    }

    [Fact]
    public async Task A_reinstall_adds_a_version_and_the_new_secret_is_current()
    {
        await _tenants.SaveAsync(Tenant());
        _time.Advance(TimeSpan.FromSeconds(1));
        await _tenants.SaveAsync(Tenant(secret: "shared-secret-2"));
        var other = new ConnectTenants(_store, "app", _time, _log);

        Assert.Equal("shared-secret-2", (await _tenants.FindAsync("client-1")).Tenant!.SharedSecret);
        Assert.Equal("shared-secret-2", (await other.FindAsync("client-1")).Tenant!.SharedSecret);
        Assert.Equal(2, (await _store.GetPropertiesOfSecretVersionsAsync(ConnectTenants.SecretNameFor("app", "client-1"))).Count);
    }

    [Fact]
    public async Task An_uninstall_disables_the_secret_here_at_once_and_on_another_instance_within_the_refresh()
    {
        await _tenants.SaveAsync(Tenant());
        var other = new ConnectTenants(_store, "app", _time, _log);
        Assert.NotNull((await other.FindAsync("client-1")).Tenant);

        await _tenants.DisableAsync("client-1");

        Assert.All(await _store.GetPropertiesOfSecretVersionsAsync(ConnectTenants.SecretNameFor("app", "client-1")), v => Assert.False(v.Enabled));
        _time.Advance(ConnectTenants.MissInterval);
        Assert.Null((await _tenants.FindAsync("client-1")).Tenant);
        Assert.NotNull((await other.FindAsync("client-1")).Tenant); // held until its refresh
        _time.Advance(ConnectTenants.RefreshInterval);
        Assert.Null((await other.FindAsync("client-1")).Tenant);
    }

    [Fact]
    public async Task A_flood_of_unknown_client_keys_reads_the_store_once_per_interval()
    {
        await _tenants.SaveAsync(Tenant());
        var reads = _store.ListCalls;

        for (var i = 0; i < 1000; i++)
        {
            Assert.Null((await _tenants.FindAsync($"made-up-{i}")).Tenant);
        }

        Assert.Equal(reads + 1, _store.ListCalls);
        Assert.True(_log.Count(EventIds.ConnectTenantLookupThrottled) >= 999);

        // A known tenant is still served from memory meanwhile, and the next unknown key is read after the interval.
        Assert.NotNull((await _tenants.FindAsync("client-1")).Tenant);
        _time.Advance(ConnectTenants.MissInterval);
        await _tenants.FindAsync("made-up-again");
        Assert.Equal(reads + 2, _store.ListCalls);
    }

    [Fact]
    public async Task A_held_tenant_is_served_from_memory_until_the_refresh_then_read_again()
    {
        await _tenants.SaveAsync(Tenant());
        var reads = _store.ListCalls;

        for (var i = 0; i < 100; i++)
        {
            Assert.NotNull((await _tenants.FindAsync("client-1")).Tenant);
        }

        Assert.Equal(reads, _store.ListCalls);
        _time.Advance(ConnectTenants.RefreshInterval);
        Assert.NotNull((await _tenants.FindAsync("client-1")).Tenant);
        Assert.Equal(reads + 1, _store.ListCalls);
    }

    [Fact]
    public async Task When_the_store_fails_a_held_tenant_keeps_serving_for_the_staleness_limit_an_unknown_one_is_unavailable()
    {
        await _tenants.SaveAsync(Tenant());
        _store.Failure = new SecretStoreUnavailableException("down");
        _time.Advance(ConnectTenants.RefreshInterval);

        Assert.NotNull((await _tenants.FindAsync("client-1")).Tenant);
        Assert.Equal(1, _log.Count(EventIds.ConnectTenantReadFailed));
        Assert.True((await _tenants.FindAsync("someone-else")).Unavailable);

        _time.Advance(ConnectTenants.MaxStaleness + ConnectTenants.RefreshInterval);
        Assert.True((await _tenants.FindAsync("client-1")).Unavailable);
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("shared-secret-1", StringComparison.Ordinal) || e.Message.Contains("down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stored_value_naming_another_client_key_is_not_a_tenant()
    {
        // The name is a hash prefix: the value's clientKey is compared, so a collision could never answer for another tenant.
        await _store.SetSecretAsync(ConnectTenants.SecretNameFor("app", "client-1"), """{"clientKey":"client-2","baseUrl":"https://x.atlassian.net","sharedSecret":"s"}""");

        Assert.Null((await _tenants.FindAsync("client-1")).Tenant);
    }

    [Fact]
    public async Task Twenty_concurrent_requests_of_a_tenant_not_yet_held_read_the_store_once_and_all_find_it()
    {
        // A tenant installed on another instance: this one holds nothing yet, and its first burst arrives at once.
        await new ConnectTenants(_store, "app", _time, _log).SaveAsync(Tenant());
        var reads = _store.ListCalls;
        _store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var lookups = Enumerable.Range(0, 20).Select(_ => _tenants.FindAsync("client-1").AsTask()).ToList();
        _store.Gate.SetResult();
        await Task.WhenAll(lookups);

        Assert.Equal(reads + 1, _store.ListCalls);
        Assert.All(lookups, l => Assert.Equal("client-1", l.Result.Tenant?.ClientKey));
    }

    [Fact]
    public async Task The_intervals_come_from_the_settings()
    {
        var settings = ConnectTenants.DefaultCache with { RefreshInterval = TimeSpan.FromMinutes(20), MinRefetchInterval = TimeSpan.FromSeconds(5) };
        var tenants = new ConnectTenants(_store, "app", _time, _log, settings);
        await new ConnectTenants(_store, "app", _time, _log).SaveAsync(Tenant());
        Assert.NotNull((await tenants.FindAsync("client-1")).Tenant);
        var reads = _store.ListCalls;

        _time.Advance(ConnectTenants.RefreshInterval);
        Assert.NotNull((await tenants.FindAsync("client-1")).Tenant);
        Assert.Equal(reads, _store.ListCalls); // 5 minutes is no longer due
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.NotNull((await tenants.FindAsync("client-1")).Tenant);
        Assert.Equal(reads + 1, _store.ListCalls);

        Assert.Null((await tenants.FindAsync("made-up-1")).Tenant);
        Assert.Null((await tenants.FindAsync("made-up-2")).Tenant); // throttled
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null((await tenants.FindAsync("made-up-3")).Tenant);
        Assert.Equal(reads + 3, _store.ListCalls);
    }

    [Fact]
    public async Task Tenants_report_their_health_by_integration()
    {
        await _tenants.SaveAsync(Tenant());
        _store.Failure = new SecretStoreUnavailableException("down");
        _time.Advance(ConnectTenants.RefreshInterval);
        await _tenants.FindAsync("client-1");

        var health = await _tenants.CheckAsync();

        Assert.Equal("connect-tenants:app", health.Name);
        Assert.Equal(JiraAuthFunctions.Health.HealthStatus.Degraded, health.Status);
        Assert.Contains(nameof(SecretStoreUnavailableException), health.Detail, StringComparison.Ordinal);
    }
}
