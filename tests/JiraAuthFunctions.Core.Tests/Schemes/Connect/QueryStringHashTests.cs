using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>
/// The canonical request and its hash: Atlassian's published examples first, then each rule of
/// the canonical form. The cross-check against the atlassian-jwt package over generated URLs is
/// in FunctionalTests (ConnectCrossCheckTests).
/// </summary>
public sealed class QueryStringHashTests
{
    [Fact]
    public void Published_hash_of_the_empty_get_request()
    {
        Assert.Equal("GET&/&", QueryStringHash.CanonicalRequest("GET", "", ""));
        Assert.Equal("c88caad15a1c1a900b8ac08aa9686f4e8184539bea1deda36e2f649430df3239", QueryStringHash.Compute("GET", "", ""));
    }

    [Theory]
    [InlineData("GET", "/", "param=foo", "GET&/&param=foo")]
    [InlineData("POST", "/user", "", "POST&/user&")]
    [InlineData("get", "/", "", "GET&/&")]
    [InlineData("Get", "/", "", "GET&/&")]
    public void Published_canonical_requests(string method, string path, string query, string canonical) =>
        Assert.Equal(canonical, QueryStringHash.CanonicalRequest(method, path, query));

    [Theory]
    // Atlassian's base URL examples: https://addon.example.com/jira-connector + the request URL's rest.
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/issue", "/issue")]
    [InlineData("/issue/", "/issue")]
    [InlineData("issue", "/issue")]
    [InlineData("/a&b", "/a%26b")]
    [InlineData("/a%20b/%2F", "/a%20b/%2F")] // as received: not decoded, not re-encoded
    public void Canonical_path(string path, string canonical) =>
        Assert.Equal(canonical, QueryStringHash.CanonicalPath(path));

    [Theory]
    [InlineData("", "")]
    [InlineData("jwt=abc", "")]
    [InlineData("b=2&a=1", "a=1&b=2")]
    [InlineData("a=z&b=y&a=x", "a=x,z&b=y")]
    [InlineData("a=&b", "a=&b=")]
    [InlineData("q=a+b&r=a%20b", "q=a%20b&r=a%20b")]
    [InlineData("x=%2a%21%27%28%29", "x=%2A%21%27%28%29")]
    [InlineData("k=~-._", "k=~-._")]
    [InlineData("n=%C3%A9&m=%F0%9F%98%80", "m=%F0%9F%98%80&n=%C3%A9")]
    [InlineData("A=1&a=2&B=3", "A=1&B=3&a=2")]
    [InlineData("key%20one=v", "key%20one=v")]
    [InlineData("a=1&&jwt=x&a=1", "a=1,1")]
    public void Canonical_query(string query, string canonical) =>
        Assert.Equal(canonical, QueryStringHash.CanonicalQuery(query));

    // What Jira itself computes: Atlassian's Java canonicaliser (atlassian-jwt's HttpRequestCanonicalizer,
    // also in atlassian-connect-spring-boot) sorts parameters by their percent-encoded names, where the
    // Node atlassian-jwt sorts the decoded names. Every expected value below was produced by Java 17
    // running that algorithm (URLDecoder for the query, URLEncoder + "%20"/"%2A"/"~" for the output,
    // String.compareTo for the order); the rows marked "differs" are ones where Node's order is another.
    [Theory]
    [InlineData("%5B=1&A=2", "%5B=1&A=2")] // differs: '[' > 'A' decoded, "%5B" < "A" encoded
    [InlineData("z=1&%C3%A9=2", "%C3%A9=2&z=1")] // differs: non-ASCII names sort first once encoded
    [InlineData("_=1&%7B=2", "%7B=2&_=1")] // differs
    [InlineData("a%5Bb%5D=1&a=2&ab=3&aB=4", "a=2&a%5Bb%5D=1&aB=4&ab=3")] // differs
    [InlineData("filter%5Bstatus%5D=open&filter=x&filterZ=1", "filter=x&filter%5Bstatus%5D=open&filterZ=1")] // differs
    [InlineData("%F0%9F%98%80=1&%EF%BC%A1=2", "%EF%BC%A1=2&%F0%9F%98%80=1")] // differs: UTF-16 order is not UTF-8 order
    [InlineData("zee_last=param&repeated=parameter+1&first=param&repeated=parameter+2", "first=param&repeated=parameter%201,parameter%202&zee_last=param")] // the canonicaliser's own example
    [InlineData("sp=a+b&star=*&tilde=~&plus=%2B&enc7e=%7E&star2=%2a", "enc7e=~&plus=%2B&sp=a%20b&star=%2A&star2=%2A&tilde=~")]
    [InlineData("v=z&v=%C3%A9&v=a", "v=a,z,%C3%A9")] // repeated values: sorted as decoded (both implementations)
    [InlineData("v=%EF%BC%A1&v=%F0%9F%98%80", "v=%F0%9F%98%80,%EF%BC%A1")]
    [InlineData("jwt=x&%6Awt=y&jwt2=z", "jwt2=z")] // the decoded name "jwt" is left out, however it was written
    [InlineData("a+b=1&a=2&a%2Bb=3", "a=2&a%20b=1&a%2Bb=3")]
    [InlineData("k=%FF", "k=%EF%BF%BD")] // bytes that are not UTF-8 decode to U+FFFD, as URLDecoder does
    [InlineData("k=%E2%82", "k=%EF%BF%BD")]
    [InlineData("k=%C3%28", "k=%EF%BF%BD%28")]
    [InlineData("a=&b", "a=&b=")]
    public void Canonical_query_as_jiras_java_canonicaliser_builds_it(string query, string canonical) =>
        Assert.Equal(canonical, QueryStringHash.CanonicalQuery(query));

    [Theory]
    [InlineData("/api/connect/app/events/issue", "app", "/events/issue")]
    [InlineData("/proxy/prefix/api/connect/app/installed", "app", "/installed")]
    [InlineData("/api/connect/app", "app", "")]
    [InlineData("/api/connect/app2/x/api/connect/app/events", "app", "/events")]
    [InlineData("/api/connect/app/events/api/connect/app/x", "app", "/events/api/connect/app/x")]
    [InlineData("/api/jira/events/app", "app", null)]
    [InlineData("/api/connect/application/x", "app", null)]
    public void App_relative_path_is_what_follows_the_apps_prefix(string received, string app, string? relative) =>
        Assert.Equal(relative, QueryStringHash.AppRelativePath(received, app));

    [Fact]
    public void Matches_only_the_hash_of_that_request()
    {
        var qsh = QueryStringHash.Compute("POST", "/events/issue", "a=1");

        Assert.True(QueryStringHash.Matches(qsh, "POST", "/events/issue", "a=1"));
        Assert.True(QueryStringHash.Matches(qsh, "post", "/events/issue/", "a=1&jwt=t"));
        Assert.False(QueryStringHash.Matches(qsh, "GET", "/events/issue", "a=1"));
        Assert.False(QueryStringHash.Matches(qsh, "POST", "/events/issues", "a=1"));
        Assert.False(QueryStringHash.Matches(qsh, "POST", "/events/issue", "a=2"));
        Assert.False(QueryStringHash.Matches(qsh, "POST", "/events/issue", ""));
        Assert.False(QueryStringHash.Matches(qsh.ToUpperInvariant(), "POST", "/events/issue", "a=1"));
        Assert.False(QueryStringHash.Matches(QueryStringHash.ContextQsh, "POST", "/events/issue", "a=1"));
    }
}
