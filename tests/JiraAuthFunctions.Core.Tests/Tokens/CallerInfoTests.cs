using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Tokens;

public sealed class CallerInfoTests
{
    [Fact]
    public void Jti_is_given_only_as_its_hash_also_after_a_copy()
    {
        var caller = CallerInfo.FromToken("kid-1", "iss", "sub", "the-raw-jti-value", "HS256");
        var copy = caller with { Scopes = ["events:write"] };

        Assert.Equal(JtiHash.Compute("the-raw-jti-value"), caller.JtiHash);
        Assert.Equal(JtiHash.Compute("the-raw-jti-value"), copy.JtiHash);
        Assert.DoesNotContain("the-raw-jti-value", caller.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("the-raw-jti-value", copy.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_jti_gives_no_hash(string? jti)
    {
        Assert.Null(CallerInfo.FromToken("kid", "iss", "sub", jti, "HS256").JtiHash);
    }

    [Fact]
    public void Unverified_claims_are_clipped_for_the_log()
    {
        var longValue = new string('x', 10_000);

        var caller = CallerInfo.FromToken(longValue, longValue, longValue, "jti", longValue);

        Assert.All(new[] { caller.Kid, caller.Issuer, caller.Subject, caller.Algorithm }, v => Assert.Equal(CallerInfo.MaxLength, v!.Length));
    }

    [Fact]
    public void A_clip_inside_a_surrogate_pair_drops_the_whole_character()
    {
        var subject = new string('s', CallerInfo.MaxLength - 1) + "\U0001F600";

        var clipped = CallerInfo.FromToken(null, null, subject, null, null).Subject!;

        Assert.Equal(new string('s', CallerInfo.MaxLength - 1), clipped);
        Assert.Equal(CallerInfo.MaxLength, CallerInfo.Clip(new string('s', CallerInfo.MaxLength - 2) + "\U0001F600")!.Length);
    }
}
