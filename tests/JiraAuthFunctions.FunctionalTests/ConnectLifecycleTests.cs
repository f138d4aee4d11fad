using JiraAuthFunctions.Connect;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// What lifecycle calls do to a tenant, seen from outside: the tokens that verify before and
/// after, and the secret store. A call that fails any check changes nothing.
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

    [Fact]
    public async Task Install_reinstall_and_uninstall_move_the_tenant_and_its_secret_store_entry()
    {
        const string Tenant = "jira:lifecycle-1";
        var first = ConnectCalls.NewSecret();
        var second = ConnectCalls.NewSecret();
        var third = ConnectCalls.NewSecret();

        Assert.Equal(401, await EventStatusAsync(Tenant, first));
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, first, "installed"))).Status);
        Assert.Equal(202, await EventStatusAsync(Tenant, first));
        var records = string.Concat(Directory.GetFiles(Path.Combine(f.App.DataPath, "events"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains($"\"context\":{{\"connect.clientKey\":\"{Tenant}\",\"connect.baseUrl\":\"https://tenant-site.atlassian.net\"}}", records, StringComparison.Ordinal);

        // A signed reinstall carries a new secret: the old one stops verifying at once.
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, second, "installed"))).Status);
        Assert.Equal(401, await EventStatusAsync(Tenant, first));
        Assert.Equal(202, await EventStatusAsync(Tenant, second));

        // A reinstall signed the older way, with the current secret, verified before the new one is stored.
        var hs = ConnectCalls.Hs(ConnectCalls.Claims(f.Now, Tenant, ConnectCalls.Qsh("POST&/installed&")), second);
        Assert.Equal(204, (await LifecycleAsync("installed", hs, ConnectCalls.Payload(Tenant, third, "installed"))).Status);
        Assert.Equal(202, await EventStatusAsync(Tenant, third));
        Assert.Single(f.App.Logs.WithEventId(EventIds.ConnectTenantInstalled), e => e["ClientKey"] == Tenant);
        Assert.Equal(2, f.App.Logs.WithEventId(EventIds.ConnectTenantReinstalled).Count(e => e["ClientKey"] == Tenant && e["SecretRotated"] == "True"));

        var store = f.App.Services.GetRequiredService<ISecretStore>();
        var name = ConnectTenants.SecretNameFor(ConnectCalls.App, Tenant);
        Assert.Equal(3, (await store.GetPropertiesOfSecretVersionsAsync(name)).Count);

        Assert.Equal(204, (await LifecycleAsync("uninstalled", Signed(Tenant, "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled"))).Status);
        Assert.Equal(401, await EventStatusAsync(Tenant, third));
        Assert.All(await store.GetPropertiesOfSecretVersionsAsync(name), v => Assert.False(v.Enabled));
        Assert.Single(f.App.Logs.WithEventId(EventIds.ConnectTenantUninstalled), e => e["ClientKey"] == Tenant);
    }

    [Fact]
    public async Task A_lifecycle_call_that_fails_any_check_changes_nothing()
    {
        const string Tenant = "jira:lifecycle-2";
        var secret = ConnectCalls.NewSecret();
        Assert.Equal(204, (await LifecycleAsync("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, secret, "installed"))).Status);
        var store = f.App.Services.GetRequiredService<ISecretStore>();
        var name = ConnectTenants.SecretNameFor(ConnectCalls.App, Tenant);
        var attacker = ConnectCalls.NewSecret();
        var other = System.Security.Cryptography.RSA.Create(2048);

        var attempts = new (string Lifecycle, string Token, string Body)[]
        {
            ("installed", ConnectCalls.Rs(ConnectCalls.LifecycleClaims(f.Now, Tenant, "installed"), other, AttackApp.InstallKid), ConnectCalls.Payload(Tenant, attacker, "installed")),
            ("installed", ConnectCalls.Hs(ConnectCalls.Claims(f.Now, Tenant, ConnectCalls.Qsh("POST&/installed&")), attacker), ConnectCalls.Payload(Tenant, attacker, "installed")),
            ("installed", Signed("jira:someone-else"), ConnectCalls.Payload(Tenant, attacker, "installed")),
            ("installed", Signed(Tenant, "uninstalled"), ConnectCalls.Payload(Tenant, attacker, "installed")),
            ("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, attacker, "uninstalled")),
            ("installed", Signed(Tenant), ConnectCalls.Payload(Tenant, attacker, "installed", site: "http://tenant-site.atlassian.net")),
            ("uninstalled", ConnectCalls.Hs(ConnectCalls.Claims(f.Now, Tenant, ConnectCalls.Qsh("POST&/uninstalled&")), attacker), ConnectCalls.Payload(Tenant, null, "uninstalled")),
            ("uninstalled", Signed(Tenant, "installed"), ConnectCalls.Payload(Tenant, null, "uninstalled")),
            ("uninstalled", Signed("jira:someone-else", "uninstalled"), ConnectCalls.Payload(Tenant, null, "uninstalled")),
        };

        foreach (var (lifecycle, token, body) in attempts)
        {
            var reply = await LifecycleAsync(lifecycle, token, body);
            Assert.True(reply.Status is 400 or 401, $"{lifecycle}: {reply.Status} {reply.Body}");
        }

        Assert.Single(await store.GetPropertiesOfSecretVersionsAsync(name), v => v.Enabled);
        Assert.Equal(202, await EventStatusAsync(Tenant, secret));
        Assert.Equal(401, await EventStatusAsync(Tenant, attacker));
    }
}
