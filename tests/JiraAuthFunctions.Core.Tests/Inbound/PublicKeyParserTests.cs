using System.Security.Cryptography;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Core.Tests.Inbound;

public sealed class PublicKeyParserTests
{
    private static readonly RSA Rsa = RSA.Create(2048);
    private static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public void Pem_public_keys_become_rsa_and_ec_keys_with_the_configured_kid()
    {
        var rsa = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "r1", Pem = Rsa.ExportSubjectPublicKeyInfoPem() });
        var pkcs1 = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "r2", Pem = Rsa.ExportRSAPublicKeyPem() });
        var ec = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "e1", Pem = Ec.ExportSubjectPublicKeyInfoPem() });

        Assert.IsType<RsaSecurityKey>(rsa);
        Assert.IsType<RsaSecurityKey>(pkcs1);
        Assert.IsType<ECDsaSecurityKey>(ec);
        Assert.Equal(["r1", "r2", "e1"], new[] { rsa.KeyId, pkcs1.KeyId, ec.KeyId });
    }

    [Fact]
    public void Jwk_public_keys_keep_their_kid_unless_one_is_configured()
    {
        var own = PublicKeyParser.Parse(new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Ec, "from-jwk") });
        var configured = PublicKeyParser.Parse(new PublicKeyOptions { Kid = "configured", Jwk = TestTokens.PublicJwk(Rsa, "from-jwk") });

        Assert.Equal("from-jwk", own.KeyId);
        Assert.Equal("configured", configured.KeyId);
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
