using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Core.Tests.OAuth;

public sealed class ClientSecretHashTests
{
    [Fact]
    public void The_stored_form_matches_its_secret_only_and_does_not_contain_it()
    {
        var (secret, stored) = ClientSecretHash.Create();
        var (other, _) = ClientSecretHash.Create();

        Assert.Equal(43, secret.Length); // 32 random bytes, base64url
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.True(ClientSecretHash.Matches(stored, secret));
        Assert.False(ClientSecretHash.Matches(stored, other));
        Assert.False(ClientSecretHash.Matches(stored, secret[..^1]));
        Assert.False(ClientSecretHash.Matches(stored, ""));
    }

    [Fact]
    public void Each_version_has_its_own_salt()
    {
        var (_, first) = ClientSecretHash.Create();
        var (_, second) = ClientSecretHash.Create();

        Assert.NotEqual(first.Split('.')[1], second.Split('.')[1]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256.only-two")]
    [InlineData("md5.AAAA.AAAA")]
    [InlineData("sha256.!!!.AAAA")]
    public void A_stored_value_it_cannot_read_matches_nothing(string stored)
    {
        Assert.False(ClientSecretHash.Matches(stored, "anything"));
    }
}
