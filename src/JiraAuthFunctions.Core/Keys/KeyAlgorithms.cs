using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// Which one algorithm a key verifies (RFC 8725 3.1) and whether a key and an algorithm fit: an
/// EC key's curve fixes it (P-256 is ES256), an RSA key's must be stated (RS256 and PS256 fit the
/// same key, so guessing would be choosing for the signer), an HMAC secret takes its integration's.
/// </summary>
public static class KeyAlgorithms
{
    public static readonly FrozenSet<string> Rsa = FrozenSet.Create(StringComparer.Ordinal, "RS256", "RS384", "RS512", "PS256", "PS384", "PS512");

    /// <summary>The RSA algorithms in their usual order, for messages (a frozen set has no order).</summary>
    public const string RsaList = "RS256, RS384, RS512, PS256, PS384, PS512";
    public static readonly FrozenSet<string> Ec = FrozenSet.Create(StringComparer.Ordinal, "ES256", "ES384", "ES512");
    public static readonly FrozenSet<string> Hmac = FrozenSet.Create(StringComparer.Ordinal, "HS256", "HS384", "HS512");

    /// <summary>RFC 7518 3.3: RSA keys of 2048 bits or more. IdentityModel verifies with 1024-bit keys; we do not.</summary>
    public const int MinRsaKeyBits = 2048;

    /// <summary>ES256 for P-256, ES384 for P-384, ES512 for P-521 (RFC 7518 3.4); null for any other curve.</summary>
    public static string? ForCurve(string? crv) => crv switch
    {
        "P-256" => "ES256",
        "P-384" => "ES384",
        "P-521" => "ES512",
        _ => null,
    };

    /// <summary>Null when <paramref name="key"/> can verify <paramref name="algorithm"/>, else why not (for a start error or a log line).</summary>
    public static string? Check(SecurityKey key, string algorithm) => key switch
    {
        RsaSecurityKey rsa when !Rsa.Contains(algorithm) => $"an RSA key cannot verify '{algorithm}'; use one of {RsaList}",
        RsaSecurityKey rsa when rsa.KeySize < MinRsaKeyBits => $"the RSA key has {rsa.KeySize} bits; at least {MinRsaKeyBits} are required (RFC 7518 3.3)",
        ECDsaSecurityKey ec => ForCurve(ec.KeySize) is not { } fixedByCurve ? $"the EC key's curve ({ec.KeySize} bits) is not P-256, P-384 or P-521"
            : fixedByCurve != algorithm ? $"an EC key on this curve verifies {fixedByCurve} only, not '{algorithm}'"
            : null,
        SymmetricSecurityKey when !Hmac.Contains(algorithm) => $"a shared secret cannot verify '{algorithm}'",
        RsaSecurityKey or SymmetricSecurityKey => null,
        _ => $"a {key.GetType().Name} is not supported; use RSA or EC",
    };

    /// <summary>The algorithm of a converted EC key, from its curve (key size 256, 384 or 521).</summary>
    public static string? ForCurve(int keySize) => keySize switch
    {
        256 => "ES256",
        384 => "ES384",
        521 => "ES512",
        _ => null,
    };

    /// <summary>
    /// The one algorithm of a public key: <paramref name="stated"/> (a per-key setting, or a JWK's
    /// <c>alg</c>), else <paramref name="fallback"/> for an RSA key (an integration-wide setting), else
    /// the curve's for an EC key. Null with the reason when there is none or it does not fit the key.
    /// </summary>
    public static string? Resolve(SecurityKey key, string? stated, string? fallback, out string? error)
    {
        var algorithm = !string.IsNullOrEmpty(stated) ? stated
            : key is ECDsaSecurityKey ec ? ForCurve(ec.KeySize)
            : key is RsaSecurityKey ? fallback
            : null;
        if (algorithm is null)
        {
            error = key is RsaSecurityKey
                ? $"an RSA key states no algorithm; name one of {RsaList} (a key verifies one algorithm only)"
                : Check(key, "") ?? "the key states no algorithm";
            return null;
        }

        error = Check(key, algorithm);
        return error is null ? algorithm : null;
    }
}
