using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>
/// Atlassian Connect's query string hash (<c>qsh</c>): SHA-256, hex, of the canonical request
/// <c>METHOD&amp;path&amp;query</c>. It binds a Connect JWT to one method, path and query, so a token
/// seen on one request cannot be replayed against another. It does not cover the body or headers.
/// </summary>
/// <remarks>
/// The canonical form as Jira computes it when it signs a call to the app: Atlassian's Java
/// canonicaliser, <c>com.atlassian.jwt.core.HttpRequestCanonicalizer</c> of atlassian-jwt (read as
/// published in atlassian-connect-spring-boot, <c>atlassian-connect-spring-boot-jwt/.../internal/jwt/HttpRequestCanonicalizer.java</c>,
/// and its <c>TestHttpRequestCanonicalizer</c>):
/// <list type="bullet">
/// <item>method in upper case;</item>
/// <item>path relative to the app's base URL, as received (still percent-encoded), <c>&amp;</c>
/// written as <c>%26</c>, a leading <c>/</c>, no trailing <c>/</c>, <c>/</c> when empty;</item>
/// <item>query: the parameters as a form decoder reads them (<c>+</c> is a space, <c>%XX</c> are
/// UTF-8 bytes, bytes that are not UTF-8 become U+FFFD as with Java's URLDecoder), the name
/// <c>jwt</c> left out; sorted by the <b>percent-encoded</b> name (its <c>ComparableParameter</c> key is
/// <c>percentEncode(name) + ' ' + ...</c>, compared with <c>String.compareTo</c>); the values of a
/// repeated name sorted as decoded strings (<c>Collections.sort</c> on the value array, which the output
/// then writes) and joined with <c>,</c>; names and values encoded with <c>URLEncoder.encode(v, "UTF-8")</c>
/// then <c>+</c> to <c>%20</c>, <c>*</c> to <c>%2A</c>, <c>%7E</c> to <c>~</c>: everything but
/// <c>A-Z a-z 0-9 - . _ ~</c>, upper-case hex.</item>
/// </list>
/// The Node <c>atlassian-jwt</c> sorts the decoded names instead; both agree unless a name needs
/// percent-encoding (non-ASCII, <c>[</c>, <c>{</c>, a space...), and there Jira's order is the one that
/// counts. The functional cross-check runs the Node package where the two agree; the unit tests hold
/// vectors produced by the Java algorithm where they differ.
/// <para>
/// The canonical request is written as UTF-8 bytes straight into a stack buffer (a pooled array
/// when it does not fit) and hashed there, so a request's check allocates nothing. A name or value
/// that needs no decoding and no encoding (most do not) stays where it is in the query; the others
/// are decoded, and their names encoded, into character buffers; a table of offsets is sorted. The
/// strings the rules above are stated in are never built: the unit tests hold this against the
/// string-building implementation it replaced, over generated requests.
/// </para>
/// </remarks>
public static class QueryStringHash
{
    /// <summary>The fixed qsh of context tokens (browser iframes), which are not bound to a request.</summary>
    public const string ContextQsh = "context-qsh";

    private const int HashBytes = 32;

    /// <summary>The hex SHA-256 of <see cref="CanonicalRequest"/>.</summary>
    public static string Compute(string method, string appRelativePath, string query)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        Hash(method, appRelativePath, query, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Whether <paramref name="qsh"/> (lower-case hex, as Atlassian writes it) is the hash of this request.</summary>
    /// <remarks>
    /// Not compared in fixed time, and need not be: nothing on either side is secret. The claim is
    /// read from a token whose signature has already been verified, and the hash is of the request
    /// its sender sent; how far the two agree tells an observer nothing it could not compute.
    /// (<see cref="CryptographicOperations.FixedTimeEquals"/> is compiled unoptimized on purpose and
    /// cost a third of this method's time on 64 characters.)
    /// </remarks>
    public static bool Matches(string qsh, string method, string appRelativePath, string query) =>
        Matches(qsh, method, appRelativePath.AsSpan(), query.AsSpan());

    /// <inheritdoc cref="Matches(string, string, string, string)"/>
    public static bool Matches(string qsh, string method, ReadOnlySpan<char> appRelativePath, ReadOnlySpan<char> query)
    {
        // Exactly the 64 lower-case hex digits of the hash: compared as text, which accepts what
        // decoding the claim and comparing bytes accepted, and nothing else (no upper case, no
        // other length). A claim that cannot match costs no hash.
        if (qsh.Length != HashBytes * 2)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[HashBytes];
        Hash(method, appRelativePath, query, hash);
        Span<char> hex = stackalloc char[HashBytes * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        return qsh.AsSpan().SequenceEqual(hex);
    }

    /// <summary><c>METHOD&amp;path&amp;query</c>: the text whose UTF-8 bytes are hashed.</summary>
    [SkipLocalsInit]
    public static string CanonicalRequest(string method, string appRelativePath, string query)
    {
        var canonical = new PooledBuffer<byte>(stackalloc byte[CanonicalBytes]);
        try
        {
            WriteCanonicalRequest(ref canonical, method, appRelativePath, query);
            return Encoding.UTF8.GetString(canonical.Written);
        }
        finally
        {
            canonical.Dispose();
        }
    }

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
    [SkipLocalsInit]
    public static string CanonicalQuery(string query)
    {
        var canonical = new PooledBuffer<byte>(stackalloc byte[CanonicalBytes]);
        try
        {
            WriteQuery(ref canonical, query);
            return Encoding.ASCII.GetString(canonical.Written); // percent-encoded: ASCII only
        }
        finally
        {
            canonical.Dispose();
        }
    }

    /// <summary>
    /// The path after <c>/api/connect/{app}</c> in the path as received, so the Functions <c>/api</c>
    /// prefix and any reverse-proxy prefix in front of it do not change the hash; null when the
    /// path does not contain the app's prefix.
    /// </summary>
    public static string? AppRelativePath(string receivedPath, string app)
    {
        var start = AppRelativeStart(receivedPath, PathPrefix(app));
        return start < 0 ? null : receivedPath[start..];
    }

    /// <summary><c>/api/connect/{app}</c>, what <see cref="AppRelativeStart"/> looks for.</summary>
    internal static string PathPrefix(string app) => "/api/connect/" + app;

    /// <summary>Where <see cref="AppRelativePath"/> starts in <paramref name="receivedPath"/>; -1 when the path does not contain <paramref name="prefix"/>.</summary>
    internal static int AppRelativeStart(string receivedPath, string prefix)
    {
        var at = receivedPath.IndexOf(prefix, StringComparison.Ordinal);
        while (at >= 0)
        {
            var end = at + prefix.Length;
            if (end == receivedPath.Length || receivedPath[end] == '/')
            {
                return end;
            }

            at = receivedPath.IndexOf(prefix, at + 1, StringComparison.Ordinal);
        }

        return -1;
    }

    // What fits on the stack before a pooled array is taken: an ordinary webhook's canonical
    // request is well under 256 bytes.
    private const int CanonicalBytes = 512;
    private const int StackParameters = 32;
    private const int StackChars = 256;
    private const int StackNameBytes = 256;
    private const int StackDecodeBytes = 512;

    // One SHA-256 instance per thread, reset after every use: the one-shot SHA256.HashData sets up
    // and frees a digest context on every call, which costs more than hashing a canonical request.
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    [SkipLocalsInit]
    private static void Hash(string method, ReadOnlySpan<char> appRelativePath, ReadOnlySpan<char> query, Span<byte> destination)
    {
        var canonical = new PooledBuffer<byte>(stackalloc byte[CanonicalBytes]);
        try
        {
            WriteCanonicalRequest(ref canonical, method, appRelativePath, query);

            var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            try
            {
                sha256.AppendData(canonical.Written);
                sha256.GetHashAndReset(destination);
            }
            catch
            {
                // Never left holding part of this request for the next one.
                t_sha256 = null;
                sha256.Dispose();
                throw;
            }
        }
        finally
        {
            canonical.Dispose();
        }
    }

    private static void WriteCanonicalRequest(ref PooledBuffer<byte> canonical, string method, scoped ReadOnlySpan<char> appRelativePath, scoped ReadOnlySpan<char> query)
    {
        if (Ascii.IsValid(method))
        {
            Ascii.ToUpper(method, canonical.GetSpan(method.Length), out var written);
            canonical.Advance(written);
        }
        else
        {
            WriteUtf8(ref canonical, method.ToUpperInvariant()); // no HTTP method; as before, the invariant upper case
        }

        canonical.Add((byte)'&');
        WritePath(ref canonical, appRelativePath);
        canonical.Add((byte)'&');
        WriteQuery(ref canonical, query);
    }

    /// <summary><see cref="CanonicalPath"/>, written as UTF-8.</summary>
    private static void WritePath(ref PooledBuffer<byte> canonical, scoped ReadOnlySpan<char> path)
    {
        canonical.Add((byte)'/');
        if (path.IsEmpty)
        {
            return;
        }

        // The leading '/' is the one just written; a trailing one goes unless it is all there is.
        path = path[0] == '/' ? path[1..] : path;
        if (!path.IsEmpty && path[^1] == '/')
        {
            path = path[..^1];
        }

        for (var amp = path.IndexOf('&'); amp >= 0; amp = path.IndexOf('&'))
        {
            WriteUtf8(ref canonical, path[..amp]);
            canonical.Add("%26"u8);
            path = path[(amp + 1)..];
        }

        WriteUtf8(ref canonical, path);
    }

    /// <summary><see cref="CanonicalQuery"/>, written as (ASCII) bytes.</summary>
    [SkipLocalsInit]
    private static void WriteQuery(ref PooledBuffer<byte> canonical, scoped ReadOnlySpan<char> query)
    {
        if (query.IsEmpty)
        {
            return;
        }

        // Each parameter is its encoded name and its decoded value, sorted by encoded name, then
        // ordinally by decoded value: Jira's order (see the remarks). Encoding is one-to-one up to
        // unpaired surrogates, which encode as U+FFFD does; equal encoded names are one name either
        // way, as they were when the encoded strings were compared. Most names and values are their
        // own encoded and decoded forms and stay where they are in the query; only the others are
        // written out, encoded names to names, decoded values to values.
        var parameters = new PooledBuffer<Parameter>(stackalloc Parameter[StackParameters]);
        var names = new PooledBuffer<char>(stackalloc char[StackChars]);
        var values = new PooledBuffer<char>(stackalloc char[StackChars]);
        try
        {
            // Most queries hold nothing but unreserved characters, '&' and '=': then every name is its
            // own encoded form and every value its own decoded form, and only '&' and '=' are looked for.
            var plain = query.IndexOfAnyExcept(UnreservedAndSeparators) < 0;
            var next = 0;
            while (next < query.Length)
            {
                var start = next;
                next = ScanPair(query, start, plain, out var equals, out var nameIsEncoded, out var valueIsDecoded, out var valueIsEncoded);
                var end = next++;
                if (end == start)
                {
                    continue; // an empty pair, as between "&&"
                }

                var nameEnd = equals < 0 ? end : equals;
                var rawName = query[start..nameEnd];
                int name, nameLength;
                if (nameIsEncoded)
                {
                    if (rawName is "jwt")
                    {
                        continue; // the token itself: left out, and its value never decoded
                    }

                    (name, nameLength) = (start, rawName.Length);
                }
                else
                {
                    // Decoded into values for a moment, to be compared with "jwt" and encoded into names.
                    var decodedAt = values.Length;
                    Decode(ref values, rawName);
                    var decoded = values.Written[decodedAt..];
                    if (decoded is "jwt")
                    {
                        values.Length = decodedAt;
                        continue;
                    }

                    name = names.Length;
                    Encode(ref names, decoded);
                    nameLength = names.Length - name;
                    values.Length = decodedAt;
                }

                var rawValue = equals < 0 ? default : query[(equals + 1)..end];
                int value, valueLength;
                if (valueIsDecoded)
                {
                    (value, valueLength) = (equals + 1, rawValue.Length);
                }
                else
                {
                    value = values.Length;
                    Decode(ref values, rawValue);
                    valueLength = values.Length - value;
                }

                parameters.Add(new Parameter(
                    name, nameLength, value, valueLength,
                    (nameIsEncoded ? Parameter.NameInQuery : 0) | (valueIsDecoded ? Parameter.ValueInQuery : 0) | (valueIsDecoded && valueIsEncoded ? Parameter.ValueIsEncoded : 0)));
            }

            var text = new QueryText(query, names.Written, values.Written);
            var sorted = parameters.Written;
            Sort(sorted, text);
            for (var i = 0; i < sorted.Length; i++)
            {
                var parameter = sorted[i];
                var encodedName = text.Name(parameter);
                if (i > 0 && encodedName.SequenceEqual(text.Name(sorted[i - 1])))
                {
                    canonical.Add((byte)',');
                }
                else
                {
                    if (i > 0)
                    {
                        canonical.Add((byte)'&');
                    }

                    WriteAscii(ref canonical, encodedName);
                    canonical.Add((byte)'=');
                }

                if ((parameter.Flags & Parameter.ValueIsEncoded) != 0)
                {
                    WriteAscii(ref canonical, text.Value(parameter));
                }
                else
                {
                    Encode(ref canonical, text.Value(parameter));
                }
            }
        }
        finally
        {
            parameters.Dispose();
            names.Dispose();
            values.Dispose();
        }
    }

    /// <summary>
    /// One pass over the pair at <paramref name="start"/>: where it ends (the next '&amp;' or the end of
    /// the query), where its first '=' is (-1: none), and whether its name needs no decoding or
    /// encoding, its value no decoding, and its value no encoding either.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanPair(ReadOnlySpan<char> query, int start, bool plain, out int equals, out bool nameIsEncoded, out bool valueIsDecoded, out bool valueIsEncoded)
    {
        equals = -1;
        nameIsEncoded = true;
        valueIsDecoded = true;
        valueIsEncoded = true;
        var next = start;
        for (; next < query.Length; next++)
        {
            var c = query[next];
            if (c == '&')
            {
                break;
            }

            if (plain)
            {
                // Only unreserved characters besides '&' and '=': a second '=' is the value's, to be encoded.
                if (c == '=')
                {
                    valueIsEncoded = equals < 0;
                    equals = equals < 0 ? next : equals;
                }
            }
            else if (equals < 0)
            {
                if (c == '=')
                {
                    equals = next;
                }
                else if (!IsUnreserved(c))
                {
                    nameIsEncoded = false;
                }
            }
            else if (!IsUnreserved(c))
            {
                valueIsEncoded = false;
                valueIsDecoded &= c is not ('%' or '+');
            }
        }

        return next;
    }

    // RFC 3986's unreserved characters, A-Z a-z 0-9 - . _ ~, as two 64-bit masks over ASCII.
    private const ulong UnreservedBelow64 = (1UL << '-') | (1UL << '.') | (0x3FFUL << '0');
    private const ulong UnreservedFrom64 = (0x3FFFFFFUL << ('A' - 64)) | (1UL << ('_' - 64)) | (0x3FFFFFFUL << ('a' - 64)) | (1UL << ('~' - 64));

    private static readonly SearchValues<char> UnreservedAndSeparators = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~&=");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsUnreserved(char c) =>
        c < 64 ? ((UnreservedBelow64 >> c) & 1) != 0
        : c < 128 && ((UnreservedFrom64 >> (c - 64)) & 1) != 0;

    /// <summary>
    /// Where a parameter's encoded name and decoded value are: in the query itself when it needed
    /// no encoding or decoding, else in the names or values buffer.
    /// </summary>
    private readonly record struct Parameter(int NameStart, int NameLength, int ValueStart, int ValueLength, int Flags)
    {
        public const int NameInQuery = 1;
        public const int ValueInQuery = 2;
        public const int ValueIsEncoded = 4; // in the query, and only unreserved characters
    }

    private readonly ref struct QueryText(ReadOnlySpan<char> query, ReadOnlySpan<char> names, ReadOnlySpan<char> values)
    {
        private readonly ReadOnlySpan<char> _query = query;
        private readonly ReadOnlySpan<char> _names = names;
        private readonly ReadOnlySpan<char> _values = values;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ReadOnlySpan<char> Name(in Parameter p) => ((p.Flags & Parameter.NameInQuery) != 0 ? _query : _names).Slice(p.NameStart, p.NameLength);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ReadOnlySpan<char> Value(in Parameter p) => ((p.Flags & Parameter.ValueInQuery) != 0 ? _query : _values).Slice(p.ValueStart, p.ValueLength);

        // Ordinal: encoded names are ASCII, so they order as the encoded strings did; the values
        // compare as UTF-16 code units, as string.CompareOrdinal (and Java's compareTo) do.
        public int Compare(in Parameter a, in Parameter b)
        {
            var x = Name(a);
            var y = Name(b);
            if (!x.IsEmpty && !y.IsEmpty && x[0] != y[0])
            {
                return x[0] - y[0]; // as most names differ: decided by the first character
            }

            var byName = x.SequenceCompareTo(y);
            return byName != 0 ? byName : Value(a).SequenceCompareTo(Value(b));
        }
    }

    /// <summary>
    /// Insertion sort for the few parameters of an ordinary request, heapsort beyond, so a query of
    /// thousands of parameters still costs n log n. Not stable, and need not be: parameters that
    /// compare equal are written identically.
    /// </summary>
    private static void Sort(Span<Parameter> items, in QueryText text)
    {
        if (items.Length <= 16)
        {
            for (var i = 1; i < items.Length; i++)
            {
                var item = items[i];
                var j = i - 1;
                for (; j >= 0 && text.Compare(items[j], item) > 0; j--)
                {
                    items[j + 1] = items[j];
                }

                items[j + 1] = item;
            }

            return;
        }

        for (var i = (items.Length / 2) - 1; i >= 0; i--)
        {
            SiftDown(items, i, items.Length, text);
        }

        for (var end = items.Length - 1; end > 0; end--)
        {
            (items[0], items[end]) = (items[end], items[0]);
            SiftDown(items, 0, end, text);
        }
    }

    private static void SiftDown(Span<Parameter> items, int root, int length, in QueryText text)
    {
        while (true)
        {
            var largest = root;
            var left = (2 * root) + 1;
            var right = left + 1;
            if (left < length && text.Compare(items[left], items[largest]) > 0)
            {
                largest = left;
            }

            if (right < length && text.Compare(items[right], items[largest]) > 0)
            {
                largest = right;
            }

            if (largest == root)
            {
                return;
            }

            (items[root], items[largest]) = (items[largest], items[root]);
            root = largest;
        }
    }

    // As a form decoder does (Java's URLDecoder, Node's querystring): '+' is a space, each %XX is a
    // byte, and the bytes are read as UTF-8 with U+FFFD for what is not UTF-8. A '%' without two hex
    // digits stays as it is, as Node keeps it (Java's URLDecoder refuses it). Text with neither '%'
    // nor '+' is taken as it is (an unpaired surrogate stays one, as it did when it was a string).
    [SkipLocalsInit]
    private static void Decode(ref PooledBuffer<char> decoded, scoped ReadOnlySpan<char> value)
    {
        if (value.IndexOfAny('%', '+') < 0)
        {
            decoded.Add(value);
            return;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var bytes = maxBytes <= StackDecodeBytes ? stackalloc byte[StackDecodeBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
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
                else if (char.IsAscii(c))
                {
                    bytes[length++] = (byte)c;
                }
                else
                {
                    var count = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
                    length += Encoding.UTF8.GetBytes(value.Slice(i, count), bytes[length..]);
                    i += count - 1;
                }
            }

            var chars = decoded.GetSpan(Encoding.UTF8.GetMaxCharCount(length));
            decoded.Advance(Encoding.UTF8.GetChars(bytes[..length], chars));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static readonly SearchValues<char> Unreserved = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    /// <summary>
    /// <c>URLEncoder.encode(value, "UTF-8")</c> with <c>+</c> as <c>%20</c>, <c>*</c> as <c>%2A</c>
    /// and <c>~</c> kept: all but <c>A-Z a-z 0-9 - . _ ~</c> as upper-case <c>%XX</c> of its UTF-8
    /// bytes (an unpaired surrogate as U+FFFD's). Written as bytes or as (ASCII) characters.
    /// </summary>
    [SkipLocalsInit]
    private static void Encode<T>(ref PooledBuffer<T> encoded, scoped ReadOnlySpan<char> value)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<byte> utf8 = stackalloc byte[4];
        while (!value.IsEmpty)
        {
            var run = value.IndexOfAnyExcept(Unreserved);
            if (run < 0)
            {
                run = value.Length;
            }

            if (run > 0)
            {
                WriteAscii(ref encoded, value[..run]);
                value = value[run..];
                if (value.IsEmpty)
                {
                    return;
                }
            }

            var c = value[0];
            var count = char.IsHighSurrogate(c) && value.Length > 1 && char.IsLowSurrogate(value[1]) ? 2 : 1;
            int length;
            if (char.IsAscii(c))
            {
                utf8[0] = (byte)c;
                length = 1;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(value[..count], utf8);
            }

            var hex = encoded.GetSpan(3 * length);
            for (var i = 0; i < length; i++)
            {
                hex[3 * i] = T.CreateTruncating((byte)'%');
                hex[(3 * i) + 1] = T.CreateTruncating(UpperHex[utf8[i] >> 4]);
                hex[(3 * i) + 2] = T.CreateTruncating(UpperHex[utf8[i] & 0xF]);
            }

            encoded.Advance(3 * length);
            value = value[count..];
        }
    }

    /// <summary>Characters known to be ASCII, as bytes or as characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteAscii<T>(ref PooledBuffer<T> buffer, scoped ReadOnlySpan<char> ascii)
        where T : unmanaged, IBinaryInteger<T>
    {
        var destination = buffer.GetSpan(ascii.Length);
        if (typeof(T) == typeof(char))
        {
            ascii.CopyTo(MemoryMarshal.Cast<T, char>(destination));
        }
        else if (ascii.Length <= 16)
        {
            // A name or a value of a few characters: narrowed here rather than in a call made for long text.
            var bytes = MemoryMarshal.Cast<T, byte>(destination);
            for (var i = 0; i < ascii.Length; i++)
            {
                bytes[i] = (byte)ascii[i];
            }
        }
        else
        {
            Ascii.FromUtf16(ascii, MemoryMarshal.Cast<T, byte>(destination), out _);
        }

        buffer.Advance(ascii.Length);
    }

    private static ReadOnlySpan<byte> UpperHex => "0123456789ABCDEF"u8;

    private static void WriteUtf8(ref PooledBuffer<byte> buffer, scoped ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var written = Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        buffer.Advance(written);
    }
}
