using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// Turns a configured PEM or JWK into a key bound to one algorithm. Private keys are refused, and
/// so is a key whose algorithm is not known (an RSA key without <c>Algorithm</c> or JWK <c>alg</c>)
/// or does not fit it (a P-256 key set to ES384, an RSA key under 2048 bits).
/// </summary>
internal static class PublicKeyParser
{
    public static VerificationKey Parse(PublicKeyOptions options)
    {
        var key = ParseKey(options, out var jwkAlgorithm);
        var algorithm = AlgorithmOf(options, key, jwkAlgorithm, out var error);
        return algorithm is null ? throw new ArgumentException(error) : new VerificationKey(key, algorithm);
    }

    /// <summary>The key material with its kid (the setting's, else the JWK's), not yet bound to an algorithm.</summary>
    public static SecurityKey ParseKey(PublicKeyOptions options, out string? jwkAlgorithm)
    {
        jwkAlgorithm = null;
        SecurityKey key = string.IsNullOrWhiteSpace(options.Jwk) ? FromPem(options.Pem!) : FromJwk(options.Jwk, out jwkAlgorithm);
        if (!string.IsNullOrEmpty(options.Kid))
        {
            key.KeyId = options.Kid;
        }

        return key;
    }

    /// <summary>
    /// The key's one algorithm: the <c>Algorithm</c> setting, else the JWK's <c>alg</c>, else the EC
    /// curve's. Null with the reason when there is none, the two disagree, or it does not fit the key.
    /// </summary>
    public static string? AlgorithmOf(PublicKeyOptions options, SecurityKey key, string? jwkAlgorithm, out string? error)
    {
        if (!string.IsNullOrEmpty(options.Algorithm) && !string.IsNullOrEmpty(jwkAlgorithm) && !string.Equals(options.Algorithm, jwkAlgorithm, StringComparison.Ordinal))
        {
            error = $"Algorithm '{options.Algorithm}' differs from the JWK's alg '{jwkAlgorithm}'; give one, or the same";
            return null;
        }

        return KeyAlgorithms.Resolve(key, string.IsNullOrEmpty(options.Algorithm) ? jwkAlgorithm : options.Algorithm, fallback: null, out error);
    }

    public static SecurityKey FromJwk(string json, out string? algorithm)
    {
        var jwk = new JsonWebKey(json);
        algorithm = string.IsNullOrEmpty(jwk.Alg) ? null : jwk.Alg;
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
