using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Tokens;

public class JwtMembersTests
{
    [Theory]
    [InlineData("""{"alg":"HS256","typ":"JWT"}""", false)]
    [InlineData("""{"alg":"HS256","alg":"none"}""", true)]
    [InlineData("""{"exp":1,"iat":2,"exp":3}""", true)]
    [InlineData("""{"exp":1,"\u0065xp":2}""", true)]
    [InlineData("""{"\u0061\u006c\u0067":"none","alg":"HS256"}""", true)]
    [InlineData("""{"a\/b":1,"a/b":2}""", true)]
    [InlineData("""{"exp":1,"EXP":2}""", false)]
    [InlineData("""{"exp":1,"exp ":2}""", false)]
    [InlineData("""{"a":{"x":1,"x":2}}""", false)]
    [InlineData("""{"a":[{"x":1},{"x":2}],"b":{"x":3}}""", false)]
    [InlineData("""{"a":{"b":1},"a":2}""", true)]
    [InlineData("""{}""", false)]
    [InlineData("""{"é":1,"\u00e9":2}""", true)]
    public void Finds_top_level_duplicates_after_unescaping(string json, bool duplicate)
    {
        Assert.Equal(duplicate, JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
        // The validator's path: the one-pass reader, which hands escaped names to JwtMembers.
        var read = JwtContent.TryRead(TestTokens.Encode("""{"alg":"HS256"}""") + "." + TestTokens.Encode(json) + ".c2ln", out _);
        Assert.Equal(duplicate, read == JiraAuthFunctions.Telemetry.ReasonCode.DuplicateMember);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"alg":"HS256",""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""{"alg":"HS256"}{"alg":"none"}""")]
    public void Reports_no_duplicate_for_what_is_not_a_json_object(string json)
    {
        Assert.False(JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Duplicate_is_found_even_far_apart()
    {
        var members = Enumerable.Range(0, 60).Select(i => $"\"m{i}\":{i}");
        var json = "{\"exp\":1," + string.Join(",", members) + ",\"exp\":2}";

        Assert.True(JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(65, true)]
    public void More_than_64_members_count_as_malformed(int count, bool refused)
    {
        var json = "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"m{i}\":{i}")) + "}";

        Assert.Equal(refused, JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData(256, false)]
    [InlineData(257, true)]
    public void Names_longer_than_256_bytes_count_as_malformed(int length, bool refused)
    {
        var json = $"{{\"{new string('n', length)}\":1,\"exp\":2}}";

        Assert.Equal(refused, JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Many_long_distinct_names_are_not_duplicates()
    {
        // 64 names of 256 bytes fill the scratch buffer exactly.
        var json = "{" + string.Join(",", Enumerable.Range(0, 64).Select(i => $"\"{i:D3}{new string('n', 253)}\":{i}")) + "}";

        Assert.False(JwtMembers.HasDuplicateMember(Encoding.UTF8.GetBytes(json)));
    }
}
