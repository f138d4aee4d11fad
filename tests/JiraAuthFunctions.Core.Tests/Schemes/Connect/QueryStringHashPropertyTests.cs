using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>
/// <see cref="QueryStringHash"/> writes the canonical request into byte buffers, with fast paths
/// for plain names and values; <see cref="ReferenceQueryStringHash"/> builds it from strings as the
/// rules read. Over generated requests made of the awkward pieces (non-ASCII, astral and unpaired
/// surrogates, percent-encoded input in either case, invalid UTF-8, '+', '=', '*', '~', empty and
/// repeated names, "jwt" however written) the two must agree on the canonical query and the hash.
/// </summary>
public sealed class QueryStringHashPropertyTests
{
    private static readonly string[] NamePieces =
    [
        "a", "b", "A", "Z", "z", "_", "~", "-", ".", "0", "9", "id", "key", "jwt", "%6Awt", "j%77t", "jwt2", "JWT",
        "[", "%5B", "%5b", "{", "]", "é", "%C3%A9", "%c3%a9", "😀", "%F0%9F%98%80", "\uFF21", "%EF%BC%A1",
        "\uD83D", "\uDE00", "\uFFFD", "%EF%BF%BD", "+", "%2B", "%20", " ", "*", "%2A", "%7E", "%7e", "%", "%4", "%G1",
        "%FF", "%E2%82", "%C3%28", "ß", "€", "/", "?", ":", "@", "!", "'", "(", ")", ";", ",", "$", "\t", "\u0000", "\u0080",
    ];

    private static readonly string[] ValuePieces =
    [
        "1", "0", "x", "X", "OPS-1", "~", "-._", "a+b", "+", "%2B", "%2b", "%20", " ", "=", "%3D", "a=b", "*", "%2A", "%2a",
        "é", "%C3%A9", "%c3%a9", "😀", "%F0%9F%98%80", "%f0%9f%98%80", "\uFF21", "%EF%BC%A1", "\uD83D", "\uDE00",
        "\uFFFD", "%FF", "%E2%82", "%C3%28", "%ED%A0%80", "%", "%%", "%4", "%G1", "%7E", "€", "%E2%82%AC", "&amp", "%26",
        "/", "?", ",", ";", "'", "\"", "<", ">", "#", "\\", "^", "`", "|", "\u007F", "\u0080", "\u07FF", "\u0800",
    ];

    private static readonly string[] PathPieces = ["/", "a", "events", "issue-created", "&", "é", "%20", "%2F", "😀", "\uD800", "+", "=", "~", "a&b", " "];

    private static readonly string[] Methods = ["GET", "POST", "post", "Put", "dElEtE", "patch", "ǆ", "ß"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Canonical_query_and_hash_agree_with_the_reference_over_generated_requests(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 5000; i++)
        {
            var query = Query(random, random.Next(0, i % 10 == 0 ? 40 : 8));
            var path = Path(random);
            var method = Methods[random.Next(Methods.Length)];
            AssertAgree(method, path, query);
        }
    }

    [Fact]
    public void Queries_too_long_for_the_stack_buffers_agree_with_the_reference()
    {
        var random = new Random(5);

        // Thousands of parameters (the heapsort, every buffer grown into a pooled array), and one
        // value far longer than any stack buffer, decoded and encoded.
        AssertAgree("POST", "/events/issue", Query(random, 3000));
        AssertAgree("POST", "/events/issue", "v=" + string.Concat(Enumerable.Range(0, 2000).Select(_ => ValuePieces[random.Next(ValuePieces.Length)])));
        AssertAgree("GET", string.Concat(Enumerable.Range(0, 500).Select(_ => PathPieces[random.Next(PathPieces.Length)])), "a=1");
        AssertAgree("GET", "/", string.Join('&', Enumerable.Range(0, 400).Select(i => $"k{i % 37}=v{i}")));
    }

    [Theory]
    [InlineData("a=b=c", "a=b%3Dc")] // a second '=' belongs to the value
    [InlineData("a==", "a=%3D")]
    [InlineData("=x&=", "=,x")] // an empty name is a name
    [InlineData("&&a=1&&", "a=1")]
    [InlineData("b=1&a=2&b=0&a=1", "a=1,2&b=0,1")]
    [InlineData("jwt=a&jwt", "")]
    [InlineData("jwt=a=b&k=%6Awt", "k=jwt")]
    [InlineData("%6A%77%74=x&j+w=1", "j%20w=1")]
    public void Plain_and_encoded_queries_take_their_own_paths_to_the_same_rules(string query, string canonical)
    {
        Assert.Equal(canonical, QueryStringHash.CanonicalQuery(query));
        Assert.Equal(canonical, ReferenceQueryStringHash.CanonicalQuery(query));
    }

    [Fact]
    public void Matches_accepts_exactly_the_lower_case_hex_of_the_hash()
    {
        const string Query = "issue_key=OPS-1&user_id=5b10a";
        var qsh = QueryStringHash.Compute("POST", "/events/x", Query);

        Assert.True(QueryStringHash.Matches(qsh, "POST", "/events/x", Query));
        Assert.True(QueryStringHash.Matches(qsh, "POST", "/api/connect/app/events/x".AsSpan(16), Query));
        Assert.False(QueryStringHash.Matches(qsh[..63], "POST", "/events/x", Query));
        Assert.False(QueryStringHash.Matches(qsh + "0", "POST", "/events/x", Query));
        Assert.False(QueryStringHash.Matches(qsh[..63] + " ", "POST", "/events/x", Query));
        Assert.False(QueryStringHash.Matches(qsh.ToUpperInvariant(), "POST", "/events/x", Query));
        Assert.False(QueryStringHash.Matches("", "POST", "/events/x", Query));
        for (var i = 0; i < qsh.Length; i++)
        {
            var changed = qsh[..i] + (qsh[i] == '0' ? '1' : '0') + qsh[(i + 1)..];
            Assert.False(QueryStringHash.Matches(changed, "POST", "/events/x", Query));
        }
    }

    private static void AssertAgree(string method, string path, string query)
    {
        var context = $"method {Escape(method)}, path {Escape(path)}, query {Escape(query)}";
        var expectedQuery = ReferenceQueryStringHash.CanonicalQuery(query);
        Assert.True(expectedQuery == QueryStringHash.CanonicalQuery(query), $"canonical query differs for {context}");

        // The reference hashes the UTF-8 of its string, where an unpaired surrogate becomes U+FFFD.
        var expectedRequest = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(ReferenceQueryStringHash.CanonicalRequest(method, path, query)));
        Assert.True(expectedRequest == QueryStringHash.CanonicalRequest(method, path, query), $"canonical request differs for {context}");

        var expectedHash = ReferenceQueryStringHash.Compute(method, path, query);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expectedRequest))), expectedHash);
        Assert.True(expectedHash == QueryStringHash.Compute(method, path, query), $"hash differs for {context}");
        Assert.True(QueryStringHash.Matches(expectedHash, method, path, query), $"no match for {context}");
    }

    private static string Query(Random random, int parameters)
    {
        var pairs = new List<string>();
        var names = new List<string>();
        for (var i = 0; i < parameters; i++)
        {
            var name = names.Count > 0 && random.Next(4) == 0 ? names[random.Next(names.Count)] : Pieces(random, NamePieces, random.Next(0, 4));
            names.Add(name);
            pairs.Add(random.Next(8) switch
            {
                0 => name,
                1 => name + "=",
                _ => name + "=" + Pieces(random, ValuePieces, random.Next(0, 5)),
            });
            if (random.Next(10) == 0)
            {
                pairs.Add(""); // "&&"
            }
        }

        return string.Join('&', pairs);
    }

    private static string Path(Random random) => random.Next(5) == 0 ? "" : Pieces(random, PathPieces, random.Next(1, 6));

    private static string Pieces(Random random, string[] pieces, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => pieces[random.Next(pieces.Length)]));

    private static string Escape(string value) =>
        string.Concat(value.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));
}
