using System.Buffers.Text;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The two schemes against implementations the app shares nothing with: X-Hub-Signature computed
/// by node's crypto, a Forge-shaped token signed by jose with the key the loopback JWKS publishes.
/// </summary>
public sealed class SignedDeliveryCrossCheckTests(AttackApp f) : IClassFixture<AttackApp>
{
    [Fact]
    public async Task Webhook_signed_by_node_crypto_is_accepted_and_one_signed_with_another_secret_is_not()
    {
        // Non-ASCII text too: the signature is over the UTF-8 bytes exactly as sent.
        var body = """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-9","fields":{"summary":"Größe überschritten ✓"}}}""";
        var output = await NodeTools.RunScriptAsync("hub-signature.mjs", JsonSerializer.Serialize(new[]
        {
            new { secret = AttackApp.HookSecret, body },
            new { secret = "not-the-webhook-secret-0123456789-abc", body },
        }));
        var signatures = JsonSerializer.Deserialize<string[]>(output)!;

        var good = await f.App.PostEventAsync(AttackApp.Hooks, null, body, headers: Http.Delivery(signatures[0], Guid.NewGuid().ToString()));
        var bad = await f.App.PostEventAsync(AttackApp.Hooks, null, body, headers: Http.Delivery(signatures[1], Guid.NewGuid().ToString()));

        Assert.Equal(AttackApp.HubSignature(body), signatures[0]);
        Outcome.AssertAccepted(f.App, good, AttackApp.Hooks);
        Outcome.AssertRejected(f.App, bad, AttackApp.Hooks, 401, "bad_signature");
    }

    [Fact]
    public async Task Forge_token_signed_by_jose_is_accepted_and_one_for_another_app_is_not()
    {
        var key = PrivateJwk();
        var instructions = new[] { ForgeTokens.Claims(f.Now), ForgeTokens.Claims(f.Now, ForgeTokens.OtherAppId) }.Select(claims => new Dictionary<string, object?>
        {
            ["alg"] = "RS256",
            ["key"] = key,
            ["claims"] = claims,
            ["header"] = new Dictionary<string, string> { ["kid"] = AttackApp.ForgeKid },
        });
        var tokens = JsonSerializer.Deserialize<string[]>(await NodeTools.RunScriptAsync("jose-sign.mjs", JsonSerializer.Serialize(instructions)))!;

        var good = await f.App.PostEventAsync(AttackApp.Forge, Http.Bearer(tokens[0]));
        var otherApp = await f.App.PostEventAsync(AttackApp.Forge, Http.Bearer(tokens[1]));

        Outcome.AssertAccepted(f.App, good, AttackApp.Forge);
        Outcome.AssertRejected(f.App, otherApp, AttackApp.Forge, 401, "invalid_audience");
    }

    private static Dictionary<string, string> PrivateJwk()
    {
        var p = AttackApp.ForgeRsa.ExportParameters(includePrivateParameters: true);
        return new()
        {
            ["kty"] = "RSA",
            ["n"] = Base64Url.EncodeToString(p.Modulus),
            ["e"] = Base64Url.EncodeToString(p.Exponent),
            ["d"] = Base64Url.EncodeToString(p.D),
            ["p"] = Base64Url.EncodeToString(p.P),
            ["q"] = Base64Url.EncodeToString(p.Q),
            ["dp"] = Base64Url.EncodeToString(p.DP),
            ["dq"] = Base64Url.EncodeToString(p.DQ),
            ["qi"] = Base64Url.EncodeToString(p.InverseQ),
        };
    }
}
