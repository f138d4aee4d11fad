using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>Turns a configured PEM or JWK into an IdentityModel key. Private keys are refused.</summary>
internal static class PublicKeyParser
{
    public static SecurityKey Parse(PublicKeyOptions options)
    {
        SecurityKey key = string.IsNullOrWhiteSpace(options.Jwk) ? FromPem(options.Pem!) : FromJwk(options.Jwk);
        if (!string.IsNullOrEmpty(options.Kid))
        {
            key.KeyId = options.Kid;
        }

        return key;
    }

    public static SecurityKey FromJwk(string json)
    {
        var jwk = new JsonWebKey(json);
        if (jwk.HasPrivateKey)
        {
            throw new ArgumentException("The JWK holds a private key; configure the public part only.");
        }

        if (jwk.Kty is not (JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve))
        {
            throw new NotSupportedException($"JWK key type '{jwk.Kty}' is not supported; use RSA or EC.");
        }

        // Convert to a concrete RSA/ECDsa key once, so verification never re-imports key material.
        if (!JsonWebKeyConverter.TryConvertToSecurityKey(jwk, out var key))
        {
            throw new ArgumentException("The JWK cannot be converted to a key.");
        }

        key.KeyId = jwk.Kid;
        return key;
    }

    public static SecurityKey FromPem(string pem)
    {
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new ArgumentException("The PEM holds a private key; configure the public key only.");
        }

        if (pem.Contains("BEGIN RSA PUBLIC KEY", StringComparison.Ordinal) || IsRsaSubjectPublicKeyInfo(pem))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        return new ECDsaSecurityKey(ecdsa);
    }

    private static bool IsRsaSubjectPublicKeyInfo(string pem)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
