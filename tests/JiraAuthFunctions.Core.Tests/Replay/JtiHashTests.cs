using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Core.Tests.Replay;

public class JtiHashTests
{
    [Fact]
    public void Is_the_first_16_hex_digits_of_sha256()
    {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 test vector).
        Assert.Equal("ba7816bf8f01cfea", JtiHash.Compute("abc"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0b3c6a4e-7f1d-4c1b-9c7e-2f8f3d1a9e21")]
    [InlineData("jti-é-ü-漢字-🙂")]
    public void Matches_an_independent_computation_over_utf8(string jti)
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jti)))[..16];

        Assert.Equal(expected, JtiHash.Compute(jti));
    }

    [Theory]
    [InlineData(170)] // at most 512 bytes: on the stack
    [InlineData(171)] // more: on the heap
    [InlineData(10_000)]
    public void Long_jtis_hash_the_same_on_both_paths(int length)
    {
        var jti = new string('x', length);
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jti)))[..16];

        Assert.Equal(expected, JtiHash.Compute(jti));
    }

    [Fact]
    public void Different_jtis_give_different_hashes()
    {
        Assert.NotEqual(JtiHash.Compute("jti-1"), JtiHash.Compute("jti-2"));
        Assert.NotEqual(JtiHash.Compute("JTI"), JtiHash.Compute("jti"));
    }

    [Theory]
    [InlineData("ba7816bf8f01cfea", true)]
    [InlineData("0123456789abcdef", true)]
    [InlineData("BA7816BF8F01CFEA", false)]
    [InlineData("ba7816bf8f01cfe", false)]
    [InlineData("ba7816bf8f01cfea0", false)]
    [InlineData("ba7816bf8f01cfeg", false)]
    [InlineData("", false)]
    public void IsValid_accepts_exactly_16_lowercase_hex_digits(string value, bool valid)
    {
        Assert.Equal(valid, JtiHash.IsValid(value));
    }

    [Fact]
    public void Computed_hashes_are_valid()
    {
        Assert.True(JtiHash.IsValid(JtiHash.Compute(Guid.NewGuid().ToString())));
    }
}
