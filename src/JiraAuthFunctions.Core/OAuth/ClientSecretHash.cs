using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// A client secret as the secret store keeps it: never the secret, a salted SHA-256 of it
/// (<c>sha256.&lt;salt&gt;.&lt;hash&gt;</c>, base64url). The secret is 32 random bytes (256 bits) the app
/// generates, so a leaked hash cannot be brute-forced whatever the hash's speed; a slow hash (PBKDF2,
/// Argon2) would add tens of milliseconds of CPU to every token request, a lever for anyone who can
/// reach the endpoint, and nothing against guessing. The per-version salt keeps equal secrets from
/// having equal hashes. Presented secrets are compared in constant time.
/// </summary>
public static class ClientSecretHash
{
    public const string ContentType = "application/vnd.jiraauth.client-secret-hash";
    private const string Scheme = "sha256";

    // Longer input is no secret of ours (ours are 43 characters); refused before it is hashed.
    private const int MaxPresentedLength = 256;

    /// <summary>A new secret (shown once to the admin) and its stored form.</summary>
    public static (string Secret, string Stored) Create()
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        return (secret, $"{Scheme}.{Base64Url.EncodeToString(salt)}.{Base64Url.EncodeToString(Hash(salt, secret))}");
    }

    /// <summary>Whether <paramref name="presented"/> is the secret <paramref name="stored"/> was made from; false for a stored value it cannot read.</summary>
    public static bool Matches(string stored, string presented)
    {
        var parts = stored.Split('.');
        if (parts.Length != 3 || parts[0] != Scheme || presented.Length is 0 or > MaxPresentedLength)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Base64Url.DecodeFromChars(parts[1]);
            expected = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(salt, presented), expected);
    }

    private static byte[] Hash(byte[] salt, string secret)
    {
        var input = new byte[salt.Length + Encoding.UTF8.GetByteCount(secret)];
        salt.CopyTo(input, 0);
        Encoding.UTF8.GetBytes(secret, input.AsSpan(salt.Length));
        return SHA256.HashData(input);
    }
}
