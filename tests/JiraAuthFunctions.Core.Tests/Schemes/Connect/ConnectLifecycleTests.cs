using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>The key a signed lifecycle token is remembered by in the replay store.</summary>
public sealed class ConnectLifecycleTests
{
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [Fact]
    public void A_token_is_remembered_by_its_signed_part_so_another_spelling_of_its_signature_is_the_same_token()
    {
        var key = System.Security.Cryptography.RSA.Create(2048);
        var token = TestTokens.Create(TestTokens.Header("RS256", "kid-1"), new Dictionary<string, object?> { ["iss"] = "client-1", ["exp"] = 2_000_000_000 }, TestTokens.Rsa(key));
        // 256 signature bytes are 342 base64url characters: the last one carries 4 unused bits.
        var last = Base64Url.IndexOf(token[^1], StringComparison.Ordinal);
        var respelled = token[..^1] + Base64Url[last ^ 1];
        var other = TestTokens.Create(TestTokens.Header("RS256", "kid-1"), new Dictionary<string, object?> { ["iss"] = "client-1", ["exp"] = 2_000_000_001 }, TestTokens.Rsa(key));

        Assert.Equal(ConnectLifecycle.ReplayKeyOf(token), ConnectLifecycle.ReplayKeyOf(respelled));
        Assert.NotEqual(ConnectLifecycle.ReplayKeyOf(token), ConnectLifecycle.ReplayKeyOf(other));
        Assert.Matches("^lifecycle:[0-9a-f]{64}$", ConnectLifecycle.ReplayKeyOf(token));
    }
}
