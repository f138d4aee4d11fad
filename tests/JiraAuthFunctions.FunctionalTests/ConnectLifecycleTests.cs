using System.Text.Json;
using JiraAuthFunctions.Connect;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// What lifecycle calls do to a tenant, seen from outside: the tokens that verify before and
/// after, and the secret store. A call that fails any check changes nothing; only Atlassian's
/// signature (RS256) can change a tenant, and each signed lifecycle token does so once.
/// </summary>
public sealed class ConnectLifecycleTests(AttackApp f) : IClassFixture<AttackApp>
{
    private async Task<int> EventStatusAsync(string clientKey, string secret)
    {
        var token = ConnectCalls.Hs(ConnectCalls.Claims(f.Now, clientKey, ConnectCalls.Qsh(ConnectCalls.EventCanonical)), secret);
        return (await ConnectCalls.PostAsync(f.App.Client, ConnectCalls.EventPath, "JWT " + token, Http.WebhookEvent, Guid.NewGuid().ToString("N"))).Status;
    }

    private Task<Reply> LifecycleAsync(string lifecycle, string token, string body) =>
        ConnectCalls.PostAsync(f.App.Client, $"{ConnectCalls.AppPath}/{lifecycle}", "JWT " + token, body, Guid.NewGuid().ToString("N"));

    private string Signed(string clientKey, string lifecycle = "installed") =>
        ConnectCalls.Rs(ConnectCalls.LifecycleClaims(f.Now, clientKey, lifecycle), f.InstallKey, AttackApp.InstallKid);

    private string SharedSecretSigned(string clientKey, string secret, string lifecycle) =>
        ConnectCalls.Hs(ConnectCalls.Claims(f.Now, clientKey, ConnectCalls.Qsh($"POST&/{lifecycle}&")), secret);

    private async Task<IReadOnlyList<SecretProperties>> VersionsAsync(string clientKey) =>
        await f.App.Services.GetRequiredService<ISecretStore>().GetPropertiesOfSecretVersionsAsync(ConnectTenants.SecretNameFor(ConnectCalls.App, clientKey));

    [Fact]
    public async Task Install_reinstall_and_uninstall_move_the_tenant_and_its_secret_store_entry()
    {
        const string Tenant = "jira:lifecycle-1";
        var first = ConnectCalls.NewSecret();
        var second = ConnectCalls.NewSecret();

        Assert.Equal(401, await EventStatusAsync(Tenant, first));
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, first, "installed"))).Status);
        Assert.Equal(202, await EventStatusAsync(Tenant, first));
        var records = string.Concat(Directory.GetFiles(Path.Combine(f.App.DataPath, "events"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains($"\"context\":{{\"connect.clientKey\":\"{Tenant}\",\"connect.baseUrl\":\"https://tenant-site.atlassian.net\"}}", records, StringComparison.Ordinal);

        // A signed reinstall (a new token: Atlassian signs each call) carries a new secret: the old one stops verifying at once.
        f.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, second, "installed"))).Status);
        Assert.Equal(401, await EventStatusAsync(Tenant, first));
        Assert.Equal(202, await EventStatusAsync(Tenant, second));
        Assert.Single(f.App.Logs.WithEventId(EventIds.ConnectTenantInstalled), e => e["ClientKey"] == Tenant);
        Assert.Single(f.App.Logs.WithEventId(EventIds.ConnectTenantReinstalled), e => e["ClientKey"] == Tenant && e["SecretRotated"] == "True");
        Assert.Equal(2, (await VersionsAsync(Tenant)).Count);

        Assert.Equal(204, (await LifecycleAsync("uninstalled", Signed(Tenant, "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"))).Status);
        Assert.Equal(401, await EventStatusAsync(Tenant, second));
        Assert.All(await VersionsAsync(Tenant), v => Assert.False(v.Enabled));
        Assert.Single(f.App.Logs.WithEventId(EventIds.ConnectTenantUninstalled), e => e["ClientKey"] == Tenant);
    }

    [Fact]
    public async Task The_install_payload_is_kept_with_the_tenant()
    {
        const string Tenant = "jira:lifecycle-payload";
        var secret = ConnectCalls.NewSecret();
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, secret, "installed"))).Status);

        var stored = await f.App.Services.GetRequiredService<ISecretStore>().GetSecretAsync(ConnectTenants.SecretNameFor(ConnectCalls.App, Tenant));
        using var value = JsonDocument.Parse(stored!.Value);
        var root = value.RootElement;
        Assert.Equal(Tenant, root.GetProperty("clientKey").GetString());
        Assert.Equal(secret, root.GetProperty("sharedSecret").GetString());
        var installation = root.GetProperty("installation");
        Assert.Equal("oZbU2P3r8Zyx3UAv9Yyyv2xJGJH1uqHn", installation.GetProperty("oauthClientId").GetString());
        Assert.Equal("https://tenant-site.atlassian.net", installation.GetProperty("displayUrl").GetString());
        Assert.Equal("jira", installation.GetProperty("productType").GetString());
        Assert.Equal("100250", installation.GetProperty("serverVersion").GetString());
        Assert.Equal("1001.0.0-SNAPSHOT", installation.GetProperty("pluginsVersion").GetString());
        Assert.Equal("SEN-L12345", installation.GetProperty("serviceEntitlementNumber").GetString());
        Assert.Equal("com.example.jira-auth-functions", installation.GetProperty("key").GetString());
        // The secret is stored once, at the top; what the body says about the call itself is not kept.
        Assert.False(installation.TryGetProperty("sharedSecret", out _));
        Assert.False(installation.TryGetProperty("eventType", out _));

        Assert.True(f.App.Services.GetRequiredService<JiraAuthFunctions.Schemes.IntegrationRegistry>().TryGet(ConnectCalls.App, out var integration));
        var held = (await integration.Connect!.Tenants.FindAsync(Tenant)).Tenant!;
        Assert.Equal("oZbU2P3r8Zyx3UAv9Yyyv2xJGJH1uqHn", held.Installation!.OauthClientId);
        Assert.Equal("jira", held.Installation.ProductType);
        Assert.DoesNotContain(secret, held.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_leaked_shared_secret_can_neither_replace_the_tenants_secret_nor_uninstall_it()
    {
        const string Tenant = "jira:lifecycle-leak";
        var secret = ConnectCalls.NewSecret();
        var attacker = ConnectCalls.NewSecret();
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, secret, "installed"))).Status);

        // Signed with the tenant's current (leaked) secret, as the pre-signed-install protocol did.
        var takeover = await LifecycleAsync("installed", SharedSecretSigned(Tenant, secret, "installed"), ConnectCalls.Payload(Tenant, attacker, "installed"));
        var removal = await LifecycleAsync("uninstalled", SharedSecretSigned(Tenant, secret, "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"));

        Outcome.AssertRejected(f.App, takeover, ConnectCalls.App, 401, "shared_secret_lifecycle");
        Outcome.AssertRejected(f.App, removal, ConnectCalls.App, 401, "shared_secret_lifecycle");
        Assert.Single(await VersionsAsync(Tenant), v => v.Enabled);
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
        Assert.Equal(401, await EventStatusAsync(Tenant, attacker));
    }

    [Fact]
    public async Task A_signed_lifecycle_token_changes_the_tenant_once_whatever_body_comes_with_it_again()
    {
        const string Tenant = "jira:lifecycle-replay";
        var secret = ConnectCalls.NewSecret();
        var attacker = ConnectCalls.NewSecret();
        var install = Signed(Tenant);
        Assert.Equal(204, (await LifecycleAsync("installed", install, ConnectCalls.Payload(Tenant, secret, "installed"))).Status);

        // The captured install token with the attacker's secret in the body (its qsh covers the URL only).
        var replayed = await LifecycleAsync("installed", install, ConnectCalls.Payload(Tenant, attacker, "installed"));

        Outcome.AssertRejected(f.App, replayed, ConnectCalls.App, 401, "replayed_lifecycle_token");
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
        Assert.Equal(401, await EventStatusAsync(Tenant, attacker));

        // A captured uninstall replayed after the site installed again must not remove it.
        var uninstall = Signed(Tenant, "uninstalled");
        Assert.Equal(204, (await LifecycleAsync("uninstalled", uninstall, ConnectCalls.Payload(Tenant, null, "uninstalled"))).Status);
        f.Time.Advance(TimeSpan.FromSeconds(1)); // a new install token (new iat) from Atlassian
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, secret, "installed"))).Status);
        Outcome.AssertRejected(f.App, await LifecycleAsync("uninstalled", uninstall, ConnectCalls.Payload(Tenant, null, "uninstalled")), ConnectCalls.App, 401, "replayed_lifecycle_token");
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
    }

    [Fact]
    public async Task A_lifecycle_token_refused_for_its_body_is_not_used_up()
    {
        const string Tenant = "jira:lifecycle-refused-first";
        var secret = ConnectCalls.NewSecret();
        var token = Signed(Tenant);

        var wrongTenant = await LifecycleAsync("installed", token, ConnectCalls.Payload("jira:someone-else", secret, "installed"));
        var noSecret = await LifecycleAsync("installed", token, ConnectCalls.Payload(Tenant, null, "installed"));
        var accepted = await LifecycleAsync("installed", token, ConnectCalls.Payload(Tenant, secret, "installed"));

        Outcome.AssertRejected(f.App, wrongTenant, ConnectCalls.App, 401, "client_key_mismatch");
        Outcome.AssertRejected(f.App, noSecret, ConnectCalls.App, 400, "invalid_lifecycle_payload");
        Assert.Equal(204, accepted.Status);
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
    }

    [Fact]
    public async Task A_lifecycle_call_that_fails_any_check_changes_nothing()
    {
        const string Tenant = "jira:lifecycle-2";
        var secret = ConnectCalls.NewSecret();
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, secret, "installed"))).Status);
        var attacker = ConnectCalls.NewSecret();
        var other = System.Security.Cryptography.RSA.Create(2048);

        var attempts = new (string Lifecycle, string Token, string Body, int Status, string Reason)[]
        {
            ("installed", ConnectCalls.Rs(ConnectCalls.LifecycleClaims(f.Now, Tenant, "installed"), other, AttackApp.InstallKid), ConnectCalls.Payload(Tenant, attacker, "installed"), 401, "bad_signature"),
            ("installed", SharedSecretSigned(Tenant, attacker, "installed"), ConnectCalls.Payload(Tenant, attacker, "installed"), 401, "shared_secret_lifecycle"),
            ("installed", SharedSecretSigned(Tenant, secret, "installed"), ConnectCalls.Payload(Tenant, attacker, "installed"), 401, "shared_secret_lifecycle"),
            ("installed", Signed("jira:someone-else"), ConnectCalls.Payload(Tenant, attacker, "installed"), 401, "client_key_mismatch"),
            ("installed", Signed(Tenant, "uninstalled"), ConnectCalls.Payload(Tenant, attacker, "installed"), 401, "qsh_mismatch"),
            ("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, attacker, "uninstalled"), 400, "invalid_lifecycle_payload"),
            ("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, attacker, "installed", site: "http://tenant-site.atlassian.net"), 400, "invalid_lifecycle_payload"),
            ("uninstalled", SharedSecretSigned(Tenant, attacker, "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"), 401, "shared_secret_lifecycle"),
            ("uninstalled", SharedSecretSigned(Tenant, secret, "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"), 401, "shared_secret_lifecycle"),
            ("uninstalled", Signed(Tenant, "installed"), ConnectCalls.Payload(Tenant, null, "uninstalled"), 401, "qsh_mismatch"),
            ("uninstalled", Signed("jira:someone-else", "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"), 401, "client_key_mismatch"),
        };

        foreach (var (lifecycle, token, body, status, reason) in attempts)
        {
            Outcome.AssertRejected(f.App, await LifecycleAsync(lifecycle, token, body), ConnectCalls.App, status, reason);
        }

        Assert.Single(await VersionsAsync(Tenant), v => v.Enabled);
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
        Assert.Equal(401, await EventStatusAsync(Tenant, attacker));
    }
}

/// <summary>
/// Signed lifecycle tokens are remembered in the replay store, so a token used on one instance is
/// refused on another; a store that cannot answer refuses the call (503) and changes nothing.
/// </summary>
public sealed class ConnectLifecycleReplayStoreTests : IAsyncLifetime
{
    private const string Tenant = "jira:lifecycle-instances";
    private FakeInstallKeys _installKeys = null!;
    private System.Security.Cryptography.RSA _installKey = null!;

    public async Task InitializeAsync()
    {
        _installKeys = await FakeInstallKeys.StartAsync();
        _installKey = _installKeys.Publish(AttackApp.InstallKid);
    }

    public async Task DisposeAsync() => await _installKeys.DisposeAsync();

    private Dictionary<string, string?> Settings(string connectionString)
    {
        var settings = ConnectCalls.Settings(_installKeys.BaseUrl);
        settings["Inbound:ReplayStore"] = "Table";
        settings["Storage:ConnectionString"] = connectionString;
        return settings;
    }

    private string Signed(string lifecycle = "installed") =>
        ConnectCalls.Rs(ConnectCalls.LifecycleClaims(TimeProvider.System.GetUtcNow(), Tenant, lifecycle), _installKey, AttackApp.InstallKid);

    private static Task<Reply> LifecycleAsync(TestApp app, string lifecycle, string token, string body) =>
        ConnectCalls.PostAsync(app.Client, $"{ConnectCalls.AppPath}/{lifecycle}", "JWT " + token, body, Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_lifecycle_token_used_on_one_instance_is_refused_on_the_other()
    {
        await using var azurite = await Azurite.StartAsync();
        await new Azure.Data.Tables.TableClient(azurite.ConnectionString, JiraAuthFunctions.Inbound.TableReplayCache.DefaultTableName).CreateIfNotExistsAsync();
        var settings = Settings(azurite.ConnectionString);
        await using var first = await TestApp.StartAsync(settings);
        settings["DataPath"] = first.DataPath; // the same secret store, as two instances share Key Vault
        await using var second = await TestApp.StartAsync(settings);
        var secret = ConnectCalls.NewSecret();
        var token = Signed();

        var installed = await LifecycleAsync(first, "installed", token, ConnectCalls.Payload(Tenant, secret, "installed"));
        var replayedElsewhere = await LifecycleAsync(second, "installed", token, ConnectCalls.Payload(Tenant, ConnectCalls.NewSecret(), "installed"));

        Assert.Equal(204, installed.Status);
        Outcome.AssertRejected(second, replayedElsewhere, ConnectCalls.App, 401, "replayed_lifecycle_token");
        var versions = await first.Services.GetRequiredService<ISecretStore>().GetPropertiesOfSecretVersionsAsync(ConnectTenants.SecretNameFor(ConnectCalls.App, Tenant));
        Assert.Single(versions);
    }

    [Fact]
    public async Task A_replay_store_that_cannot_answer_refuses_the_lifecycle_call_with_503_and_changes_nothing()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";
        await using var app = await TestApp.StartAsync(Settings(unreachable));

        var reply = await LifecycleAsync(app, "installed", Signed(), ConnectCalls.Payload(Tenant, ConnectCalls.NewSecret(), "installed"));

        Assert.Equal(503, reply.Status);
        Assert.Equal("30", reply.Header("Retry-After"));
        Assert.Equal(ReasonCode.ReplayCheckUnavailable.ToCode(), Assert.Single(app.Logs.WithEventId(EventIds.RequestRejected))["Reason"]);
        Assert.Empty(await app.Services.GetRequiredService<ISecretStore>().GetPropertiesOfSecretVersionsAsync(ConnectTenants.SecretNameFor(ConnectCalls.App, Tenant)));
    }
}
