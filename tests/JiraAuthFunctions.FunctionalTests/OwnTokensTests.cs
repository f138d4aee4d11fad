using System.Text.Json;
using System.Text.Json.Nodes;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Tokens the app signs with its current key verify, with jose (an independent implementation),
/// against the JWKS the app publishes, across a rotation; after a compromise they stop verifying.
/// </summary>
public sealed class OwnTokensTests
{
    private static async Task<JsonArray> VerifyWithJoseAsync(TestApp app, params string[] tokens)
    {
        var jwks = JsonNode.Parse(await app.Client.GetStringAsync("/api/.well-known/jwks.json"));
        var input = new JsonObject { ["jwks"] = jwks, ["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)t)]), ["issuer"] = "jira-auth-functions", ["audience"] = "deploy-service" };
        return JsonNode.Parse(await NodeTools.RunScriptAsync("jose-verify-jwks.mjs", input.ToJsonString()))!.AsArray();
    }

    [Fact]
    public async Task Tokens_verify_against_the_published_jwks_before_and_after_a_rotation_and_not_after_a_compromise()
    {
        await using var app = await TestApp.StartAsync();
        var rotator = app.Services.GetRequiredService<SigningKeyRotator>();
        var issuer = app.Services.GetRequiredService<OwnTokenIssuer>();
        await AppSigningKey.CurrentAsync(app); // the app's own job may hold the lease for the first key
        Task<string> IssueAsync() => issuer.IssueAsync("jira-auth-functions", "deploy-service", "rule-42", ["deploy"], TimeSpan.FromMinutes(5));

        var before = await IssueAsync();
        await rotator.RotateNowAsync(compromised: false);
        var after = await IssueAsync();
        var results = await VerifyWithJoseAsync(app, before, after);

        Assert.All(results, r => Assert.True(r!["ok"]!.GetValue<bool>(), r.ToJsonString()));
        Assert.NotEqual(results[0]!["kid"]!.GetValue<string>(), results[1]!["kid"]!.GetValue<string>());

        await rotator.RotateNowAsync(compromised: true); // the key that signed "after" is compromised
        var compromised = await VerifyWithJoseAsync(app, after);
        Assert.False(compromised[0]!["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_token_cannot_outlive_its_key_in_the_jwks()
    {
        await using var app = await TestApp.StartAsync();
        await AppSigningKey.CurrentAsync(app);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            app.Services.GetRequiredService<OwnTokenIssuer>().IssueAsync("jira-auth-functions", "deploy-service", "rule-42", [], TimeSpan.FromHours(2)));
    }
}
