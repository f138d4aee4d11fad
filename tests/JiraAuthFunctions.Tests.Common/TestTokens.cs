using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Builds JWTs byte by byte, so tests can make the tokens an attacker would: any header, any
/// payload (duplicate members included, given as raw JSON), any signature. Independent of
/// IdentityModel on purpose: the code under test must not grade its own homework.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "test-issuer";
    public const string Audience = "jira-auth-functions";

    public static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public static string Json(IReadOnlyDictionary<string, object?> members) => JsonSerializer.Serialize(members);

    /// <summary>Claims of a good token at <paramref name="now"/>: iss, aud, iat, nbf, exp (+5 min), sub, jti, scope.</summary>
    public static Dictionary<string, object?> Claims(DateTimeOffset now, string scope = "events:write", TimeSpan? lifetime = null) => new()
    {
        ["iss"] = Issuer,
        ["aud"] = Audience,
        ["sub"] = "rule-42",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
        ["jti"] = Guid.NewGuid().ToString("N"),
        ["scope"] = scope,
    };

    public static Dictionary<string, object?> Header(string alg, string? kid = null)
    {
        var header = new Dictionary<string, object?> { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        return header;
    }

    /// <summary>header.payload.signature from raw JSON; <paramref name="sign"/> gets the signing input.</summary>
    public static string FromJson(string headerJson, string payloadJson, Func<byte[], byte[]>? sign)
    {
        var signingInput = Encode(headerJson) + "." + Encode(payloadJson);
        var signature = sign is null ? "" : Encode(sign(Encoding.ASCII.GetBytes(signingInput)));
        return signingInput + "." + signature;
    }

    public static string Create(IReadOnlyDictionary<string, object?> header, IReadOnlyDictionary<string, object?> payload, Func<byte[], byte[]>? sign) =>
        FromJson(Json(header), Json(payload), sign);

    public static Func<byte[], byte[]> Hmac(string secret, string alg = "HS256") => input => alg switch
    {
        "HS256" => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input),
        "HS384" => HMACSHA384.HashData(Encoding.UTF8.GetBytes(secret), input),
        "HS512" => HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), input),
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    public static Func<byte[], byte[]> Rsa(RSA rsa, string alg = "RS256") => input => alg switch
    {
        "RS256" => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        "PS256" => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        "RS384" => rsa.SignData(input, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
        "RS512" => rsa.SignData(input, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    /// <summary>ES256 (or ES384/ES512 by the hash named): IEEE P1363 (r||s), the JWS form.</summary>
    public static Func<byte[], byte[]> Ecdsa(ECDsa ecdsa, string alg = "ES256") => input => ecdsa.SignData(input, alg switch
    {
        "ES256" => HashAlgorithmName.SHA256,
        "ES384" => HashAlgorithmName.SHA384,
        "ES512" => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    }, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The public part of a key as a JWK JSON string, with <c>alg</c> when given.</summary>
    public static string PublicJwk(RSA rsa, string kid, string? alg = null)
    {
        var p = rsa.ExportParameters(false);
        return Jwk(new() { ["kty"] = "RSA", ["kid"] = kid, ["use"] = "sig", ["n"] = Encode(p.Modulus!), ["e"] = Encode(p.Exponent!) }, alg);
    }

    public static string PublicJwk(ECDsa ecdsa, string kid, string? alg = null)
    {
        var p = ecdsa.ExportParameters(false);
        var crv = p.Q.X!.Length switch { 32 => "P-256", 48 => "P-384", _ => "P-521" };
        return Jwk(new() { ["kty"] = "EC", ["kid"] = kid, ["use"] = "sig", ["crv"] = crv, ["x"] = Encode(p.Q.X!), ["y"] = Encode(p.Q.Y!) }, alg);
    }

    private static string Jwk(Dictionary<string, string> members, string? alg)
    {
        if (alg is not null)
        {
            members["alg"] = alg;
        }

        return JsonSerializer.Serialize(members);
    }

    public static string Jwks(params string[] jwks) => "{\"keys\":[" + string.Join(",", jwks) + "]}";
}
