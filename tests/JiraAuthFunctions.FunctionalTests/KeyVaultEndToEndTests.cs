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
        Assert.IsType<KeyVaultSecretStore>(Assert.IsType<MeteredSecretStore>(app.Services.GetRequiredService<ISecretStore>()).Inner);
        Assert.Null(await app.Services.GetRequiredService<ISecretStore>().GetSecretAsync("inbound-ci")); // nothing seeded

        KeyVaultSecret secret = await client.SetSecretAsync("inbound-ci", "a-shared-secret-from-the-vault-0123456789");
        var now = TimeProvider.System.GetUtcNow();
        var token = TestTokens.Create(TestTokens.Header("HS256", secret.Properties.Version), TestTokens.Claims(now), TestTokens.Hmac(secret.Value));

        var reply = await app.PostEventAsync("ci", Http.Bearer(token));

        Assert.Equal(202, reply.Status);
        Assert.False(File.Exists(Path.Combine(app.DataPath, "secrets.json")));
        Assert.DoesNotContain(secret.Value, app.Logs.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_mints_a_rule_token_for_a_secret_held_in_key_vault_by_piping_its_value_to_the_cli()
    {
        await using var vault = await FakeKeyVault.StartAsync();
        var client = vault.CreateClient();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["KeyVault:VaultUri"] = vault.VaultUri.ToString() }, services => services.AddSingleton(client));
        KeyVaultSecret secret = await client.SetSecretAsync("inbound-demo-rule", "a-vault-held-rule-secret-0123456789abcdef");

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JiraAuthFunctions.Cli.CliApp.RunAsync(
            ["token", "mint", "demo-rule", "--secret-stdin", "--secret-version", secret.Properties.Version],
            output, error, TimeProvider.System, new StringReader(secret.Value + "\n"));

        Assert.Equal(0, code);
        Assert.DoesNotContain(secret.Value, output.ToString() + error, StringComparison.Ordinal);
        var reply = await app.PostEventAsync("demo-rule", Http.Bearer(output.ToString().Trim()));
        Assert.Equal(202, reply.Status);
    }
}
