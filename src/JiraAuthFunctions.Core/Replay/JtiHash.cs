using System.Security.Cryptography;
using System.Text;

namespace JiraAuthFunctions.Replay;

/// <summary>
/// The form in which a <c>jti</c> appears in logs and in the revocation list: the first 16 hex digits
/// of its SHA-256. Lets on-call revoke a token seen in a log line without ever seeing the token.
/// </summary>
public static class JtiHash
{
    public static string Compute(string jti)
    {
        Span<byte> hash = stackalloc byte[32];
        var max = Encoding.UTF8.GetMaxByteCount(jti.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(jti, buffer);
        SHA256.HashData(buffer[..length], hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    public static bool IsValid(string value) => value.Length == 16 && value.All(char.IsAsciiHexDigitLower);
}
