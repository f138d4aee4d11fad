using System.Security.Cryptography;
using System.Text;

namespace JiraAuthFunctions.Connect;

/// <summary>
/// Atlassian Connect's query string hash (<c>qsh</c>): SHA-256, hex, of the canonical request
/// <c>METHOD&amp;path&amp;query</c>. It binds a Connect JWT to one method, path and query, so a token
/// seen on one request cannot be replayed against another. It does not cover the body or headers.
/// </summary>
/// <remarks>
/// The canonical form, as Atlassian's own implementations build it (checked against the
/// <c>atlassian-jwt</c> npm package in the tests):
/// <list type="bullet">
/// <item>method in upper case;</item>
/// <item>path relative to the app's base URL, as received (still percent-encoded), <c>&amp;</c>
/// written as <c>%26</c>, a leading <c>/</c>, no trailing <c>/</c>, <c>/</c> when empty;</item>
/// <item>query without <c>jwt</c>, parameters decoded (<c>+</c> is a space) then sorted by name
/// (ordinal), the values of a repeated name sorted and joined with <c>,</c>, names and values
/// percent-encoded per RFC 3986 (everything but <c>A-Z a-z 0-9 - . _ ~</c>, upper-case hex).</item>
/// </list>
/// </remarks>
public static class QueryStringHash
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

        // Sorting (name, value) pairs ordinally sorts by name and, within a repeated name, by value.
        var parameters = new List<(string Name, string Value)>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            if (name != "jwt")
            {
                parameters.Add((name, equals < 0 ? "" : Decode(pair[(equals + 1)..])));
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

                AppendEncoded(canonical, name);
                canonical.Append('=');
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

    // As a form decoder does: '+' is a space, then percent-decoding (an invalid sequence stays as it is).
    private static string Decode(string value) =>
        value.AsSpan().IndexOfAny('%', '+') < 0 ? value : Uri.UnescapeDataString(value.Replace('+', ' '));

    private static void AppendEncoded(StringBuilder encoded, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
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
