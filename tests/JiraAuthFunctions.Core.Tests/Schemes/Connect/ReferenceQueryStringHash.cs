using System.Security.Cryptography;
using System.Text;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>
/// The qsh as it was computed before it was made allocation-free: strings built step by step as
/// the rules read (decode each parameter, encode the name, sort, join, then UTF-8 and SHA-256).
/// Kept verbatim as the reference the property tests hold <see cref="JiraAuthFunctions.Schemes.Connect.QueryStringHash"/> to;
/// the rules themselves are documented there.
/// </summary>
internal static class ReferenceQueryStringHash
{
    /// <summary>The fixed qsh of context tokens (browser iframes), which are not bound to a request.</summary>
    public const string ContextQsh = "context-qsh";

    /// <summary>The hex SHA-256 of <see cref="CanonicalRequest"/>.</summary>
    public static string Compute(string method, string appRelativePath, string query) =>
        Convert.ToHexStringLower(Hash(method, appRelativePath, query));

    /// <summary>Whether <paramref name="qsh"/> (lower-case hex, as Atlassian writes it) is the hash of this request; compared in fixed time.</summary>
    public static bool Matches(string qsh, string method, string appRelativePath, string query)
    {
        Span<byte> given = stackalloc byte[32];
        if (qsh.Length != 64 || qsh.AsSpan().ContainsAnyInRange('A', 'F') || Convert.FromHexString(qsh, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(method, appRelativePath, query), given);
    }

    public static string CanonicalRequest(string method, string appRelativePath, string query) =>
        method.ToUpperInvariant() + "&" + CanonicalPath(appRelativePath) + "&" + CanonicalQuery(query);

    private static byte[] Hash(string method, string appRelativePath, string query) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalRequest(method, appRelativePath, query)));

    public static string CanonicalPath(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        // An unencoded '&' in the path would otherwise make /a&b=c?d=e and /a?b=c&d=e hash alike.
        if (path.Contains('&', StringComparison.Ordinal))
        {
            path = path.Replace("&", "%26", StringComparison.Ordinal);
        }

        if (path[0] != '/')
        {
            path = "/" + path;
        }

        return path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
    }

    /// <param name="query">The query as received, without the leading <c>?</c>.</param>
    public static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }

        // (encoded name, decoded value): sorting these ordinally sorts by the encoded name, as Jira
        // does, and within a repeated name by the decoded value. Encoding is one-to-one, so equal
        // encoded names are the same decoded name.
        var parameters = new List<(string Name, string Value)>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            if (name != "jwt")
            {
                parameters.Add((Encode(name), equals < 0 ? "" : Decode(pair[(equals + 1)..])));
            }
        }

        parameters.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });

        var canonical = new StringBuilder(query.Length + 16);
        for (var i = 0; i < parameters.Count; i++)
        {
            var (name, value) = parameters[i];
            if (i > 0 && parameters[i - 1].Name == name)
            {
                canonical.Append(',');
            }
            else
            {
                if (i > 0)
                {
                    canonical.Append('&');
                }

                canonical.Append(name).Append('=');
            }

            AppendEncoded(canonical, value);
        }

        return canonical.ToString();
    }

    /// <summary>
    /// The path after <c>/api/connect/{app}</c> in the path as received, so the Functions <c>/api</c>
    /// prefix and any reverse-proxy prefix in front of it do not change the hash; null when the
    /// path does not contain the app's prefix.
    /// </summary>
    public static string? AppRelativePath(string receivedPath, string app)
    {
        var prefix = "/api/connect/" + app;
        var at = receivedPath.IndexOf(prefix, StringComparison.Ordinal);
        while (at >= 0)
        {
            var end = at + prefix.Length;
            if (end == receivedPath.Length || receivedPath[end] == '/')
            {
                return receivedPath[end..];
            }

            at = receivedPath.IndexOf(prefix, at + 1, StringComparison.Ordinal);
        }

        return null;
    }

    // As a form decoder does (Java's URLDecoder, Node's querystring): '+' is a space, each %XX is a
    // byte, and the bytes are read as UTF-8 with U+FFFD for what is not UTF-8. A '%' without two hex
    // digits stays as it is, as Node keeps it (Java's URLDecoder refuses it).
    private static string Decode(string value)
    {
        if (value.AsSpan().IndexOfAny('%', '+') < 0)
        {
            return value;
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && char.IsAsciiHexDigit(value[i + 1]) && char.IsAsciiHexDigit(value[i + 2]))
            {
                bytes[length++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                i += 2;
            }
            else if (c == '+')
            {
                bytes[length++] = (byte)' ';
            }
            else
            {
                var count = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
                length += Encoding.UTF8.GetBytes(value.AsSpan(i, count), bytes.AsSpan(length));
                i += count - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The value percent-encoded; the same instance when nothing needs encoding.</summary>
    private static string Encode(string value)
    {
        foreach (var c in value)
        {
            if (!IsUnreserved(c))
            {
                var encoded = new StringBuilder(value.Length * 3);
                AppendEncoded(encoded, value);
                return encoded.ToString();
            }
        }

        return value;
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static void AppendEncoded(StringBuilder encoded, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c))
            {
                encoded.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                encoded.Append('%').Append(UpperHex[b >> 4]).Append(UpperHex[b & 0xF]);
            }
        }
    }

    private const string UpperHex = "0123456789ABCDEF";
}
