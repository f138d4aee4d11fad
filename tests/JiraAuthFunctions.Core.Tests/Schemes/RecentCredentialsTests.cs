using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Schemes;

public sealed class RecentCredentialsTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJydWxlIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

    [Fact]
    public void The_same_token_from_another_header_is_the_string_made_the_first_time()
    {
        var cache = new RecentCredentials();
        var first = cache.Get(("Bearer " + Token).AsSpan(7));
        var again = cache.Get(("Bearer " + Token).AsSpan(7));

        Assert.Equal(Token, first);
        Assert.Same(first, again);
    }

    [Fact]
    public void Tokens_that_share_a_slot_each_get_their_own_text()
    {
        // Same length, same last four characters: the same slot, different tokens.
        var cache = new RecentCredentials();
        var tokens = Enumerable.Range(0, 50).Select(i => $"{i:D4}" + Token[4..]).ToList();

        foreach (var token in tokens.Concat(tokens).Concat(Enumerable.Reverse(tokens)))
        {
            Assert.Equal(token, cache.Get(token.AsSpan()));
        }
    }

    [Fact]
    public void Any_text_comes_back_equal()
    {
        var cache = new RecentCredentials();
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(1, 80)).Select(_ => (char)random.Next('0', 'z'))]);
            Assert.Equal(text, cache.Get(text.AsSpan()));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(357)]
    public void Fixed_time_comparison_tells_every_differing_position(int length)
    {
        var text = new string([.. Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26)))]);

        Assert.True(RecentCredentials.FixedTimeEquals(text, text.ToCharArray()));
        Assert.False(RecentCredentials.FixedTimeEquals(text, (text + "x").AsSpan()));
        Assert.False(RecentCredentials.FixedTimeEquals(text, text.AsSpan(1)));
        for (var at = 0; at < length; at++)
        {
            var other = text.ToCharArray();
            other[at] = (char)(other[at] ^ 0x100); // the high byte only
            Assert.False(RecentCredentials.FixedTimeEquals(text, other), $"a difference at {at} of {length}");
        }
    }
}
