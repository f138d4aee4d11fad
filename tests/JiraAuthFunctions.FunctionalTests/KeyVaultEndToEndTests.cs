using Azure.Security.KeyVault.Secrets;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>With <c>KeyVault:VaultUri</c> set, the app reads shared secrets from Key Vault (here the local protocol fake) and seeds nothing.</summary>
public sealed class KeyVaultEndToEndTests
{
    [Fact]
    public async Task A_token_signed_with_a_secret_from_key_vault_is_accepted_and_nothing_is_seeded()
    {
        await using var vault = await FakeKeyVault.StartAsync();
        var client = vault.CreateClient();
        var settings = TestApp.SharedSecretIntegration("ci");
        settings["KeyVault:VaultUri"] = vault.VaultUri.ToString();
        await using var app = await TestApp.StartAsync(settings, services => services.AddSingleton(client));
        Assert.IsType<KeyVaultSecretStore>(app.Services.GetRequiredService<ISecretStore>());
        Assert.Null(await app.Services.GetRequiredService<ISecretStore>().GetSecretAsync("inbound-ci")); // nothing seeded

        KeyVaultSecret secret = await client.SetSecretAsync("inbound-ci", "a-shared-secret-from-the-vault-0123456789");
        var now = TimeProvider.System.GetUtcNow();
        var token = TestTokens.Create(TestTokens.Header("HS256", secret.Properties.Version), TestTokens.Claims(now), TestTokens.Hmac(secret.Value));

        var reply = await app.PostEventAsync("ci", Http.Bearer(token));

        Assert.Equal(202, reply.Status);
        Assert.False(File.Exists(Path.Combine(app.DataPath, "secrets.json")));
        Assert.DoesNotContain(secret.Value, app.Logs.AllText(), StringComparison.Ordinal);
    }
}
