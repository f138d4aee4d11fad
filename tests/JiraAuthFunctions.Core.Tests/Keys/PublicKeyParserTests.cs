using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Keys;

public sealed class PublicKeyParserTests
{
    private static readonly RSA Rsa = RSA.Create(2048);
    private static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly RSA SmallRsa = RSA.Create(1024);

    [Fact]
    public void Pem_public_keys_become_rsa_and_ec_keys_with_the_configured_kid()
    {
        var rsa = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "r1", Pem = Rsa.ExportSubjectPublicKeyInfoPem(), Algorithm = "RS256" });
        var pkcs1 = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "r2", Pem = Rsa.ExportRSAPublicKeyPem(), Algorithm = "PS256" });
        var ec = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "e1", Pem = Ec.ExportSubjectPublicKeyInfoPem() });

        Assert.IsType<RsaSecurityKey>(rsa.Key);
        Assert.IsType<RsaSecurityKey>(pkcs1.Key);
        Assert.IsType<ECDsaSecurityKey>(ec.Key);
        Assert.Equal(["r1", "r2", "e1"], new[] { rsa.Kid!, pkcs1.Kid!, ec.Kid! });
        Assert.Equal(["RS256", "PS256", "ES256"], new[] { rsa.Algorithm, pkcs1.Algorithm, ec.Algorithm });
    }

    [Fact]
    public void Jwk_public_keys_keep_their_kid_unless_one_is_configured()
    {
        var own = PublicKeyParser.Parse(new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Ec, "from-jwk") });
        var configured = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "configured", Jwk = TestTokens.PublicJwk(Rsa, "from-jwk", "RS384") });

        Assert.Equal("from-jwk", own.Kid);
        Assert.Equal("configured", configured.Kid);
        Assert.Equal("RS384", configured.Algorithm);
    }

    [Theory]
    [InlineData("rsa pem", null, null, "an RSA key states no algorithm")]
    [InlineData("rsa jwk", null, null, "an RSA key states no algorithm")]
    [InlineData("rsa jwk", "PS256", "RS256", "differs from the JWK's alg 'PS256'")]
    [InlineData("rsa pem", null, "ES256", "an RSA key cannot verify 'ES256'")]
    [InlineData("rsa pem", null, "HS256", "an RSA key cannot verify 'HS256'")]
    [InlineData("ec pem", null, "ES384", "verifies ES256 only, not 'ES384'")]
    [InlineData("ec jwk", "ES512", null, "verifies ES256 only, not 'ES512'")]
    [InlineData("ec jwk", "RS256", null, "verifies ES256 only, not 'RS256'")]
    [InlineData("small rsa", null, "RS256", "the RSA key has 1024 bits; at least 2048")]
    public void A_key_without_one_algorithm_that_fits_it_is_refused(string key, string? jwkAlg, string? setting, string message)
    {
        var options = key switch
        {
            "rsa pem" => new PublicKeyOptions { Kid = "k", Pem = Rsa.ExportSubjectPublicKeyInfoPem(), Algorithm = setting },
            "rsa jwk" => new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Rsa, "k", jwkAlg), Algorithm = setting },
            "ec pem" => new PublicKeyOptions { Kid = "k", Pem = Ec.ExportSubjectPublicKeyInfoPem(), Algorithm = setting },
            "ec jwk" => new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Ec, "k", jwkAlg), Algorithm = setting },
            _ => new PublicKeyOptions { Kid = "k", Pem = SmallRsa.ExportSubjectPublicKeyInfoPem(), Algorithm = setting },
        };

        var error = Assert.Throws<ArgumentException>(() => PublicKeyParser.Parse(options));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ec_curves_fix_the_algorithm()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);

        Assert.Equal("ES384", PublicKeyParser.Parse(new PublicKeyOptions { Kid = "a", Pem = p384.ExportSubjectPublicKeyInfoPem() }).Algorithm);
        Assert.Equal("ES512", PublicKeyParser.Parse(new PublicKeyOptions { Jwk = TestTokens.PublicJwk(p521, "b") }).Algorithm);
        Assert.Equal("ES384", PublicKeyParser.Parse(new PublicKeyOptions { Kid = "c", Pem = p384.ExportSubjectPublicKeyInfoPem(), Algorithm = "ES384" }).Algorithm);
    }

    [Fact]
    public void Private_keys_are_refused_without_their_material_in_the_message()
    {
        var pem = Rsa.ExportPkcs8PrivateKeyPem();
        var p = Ec.ExportParameters(true);
        var d = TestTokens.Encode(p.D!);
        var jwk = $$"""{"kty":"EC","crv":"P-256","x":"{{TestTokens.Encode(p.Q.X!)}}","y":"{{TestTokens.Encode(p.Q.Y!)}}","d":"{{d}}"}""";

        var fromPem = Assert.ThrowsAny<ArgumentException>(() => PublicKeyParser.Parse(new PublicKeyOptions { Pem = pem }));
        var fromJwk = Assert.ThrowsAny<ArgumentException>(() => PublicKeyParser.Parse(new PublicKeyOptions { Jwk = jwk }));

        Assert.Contains("private key", fromPem.Message, StringComparison.Ordinal);
        Assert.Contains("private key", fromJwk.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(pem.Split('\n')[1], fromPem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(d, fromJwk.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symmetric_jwks_are_refused()
    {
        Assert.Throws<NotSupportedException>(() => PublicKeyParser.Parse(new PublicKeyOptions { Jwk = """{"kty":"oct","k":"c2VjcmV0"}""" }));
    }
}
