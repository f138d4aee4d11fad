using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// What a 429 (or a 503) from Jira said about its limit, read from the headers Atlassian documents in
/// "Rate limiting" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/, the points-based
/// quota and per-second limits enforced since March 2026) and "Build an app that respects rate limits"
/// (https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/):
/// <list type="bullet">
/// <item><c>Retry-After</c>: seconds to wait (or an HTTP date); asking again sooner fails with the same or a longer wait.</item>
/// <item><c>X-RateLimit-Reset</c>: when the limit resets, ISO 8601 (<c>yyyy-MM-ddTHH:mmZ</c>); used when Retry-After is absent.</item>
/// <item><c>RateLimit-Reason</c>: which limit: <c>jira-burst-based</c> (one tenant, one endpoint, one method),
/// <c>jira-per-issue-on-write</c> (writes to one issue), <c>jira-quota-tenant-based</c> / <c>jira-quota-global-based</c>
/// (the hourly points quota: every call).</item>
/// <item><c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c>, <c>X-RateLimit-NearLimit</c> (true under 20 % of the budget left): logged, not acted on.</item>
/// </list>
/// A 503 may carry Retry-After too ("a resource limit has been reached"); it is handled alike.
/// </summary>
/// <param name="Reason">One of <see cref="JiraRateLimitReasons"/>: a metric tag, so never the raw header.</param>
/// <param name="RetryAt">When the server says the limit lifts; null when it said nothing usable.</param>
public sealed record JiraThrottle(int Status, string Reason, DateTimeOffset? RetryAt, long? Limit, long? Remaining, bool NearLimit)
{
    // The beta names some tenants still send during the 2026 roll-out.
    private static readonly string[] ReasonHeaders = ["RateLimit-Reason", "X-RateLimit-Reason", "X-Beta-RateLimit-Reason"];

    public static JiraThrottle Read(HttpResponseMessage response, DateTimeOffset now)
    {
        var headers = response.Headers;
        var retryAt = headers.RetryAfter switch
        {
            { Delta: { } delta } => now + delta,
            { Date: { } date } => date,
            _ => ResetAt(headers),
        };
        return new JiraThrottle(
            (int)response.StatusCode,
            JiraRateLimitReasons.Normalize(ReasonHeaders.Select(h => First(headers, h)).FirstOrDefault(v => v is not null)),
            retryAt is { } at && at < now ? now : retryAt,
            Number(First(headers, "X-RateLimit-Limit")),
            Number(First(headers, "X-RateLimit-Remaining")),
            string.Equals(First(headers, "X-RateLimit-NearLimit"), "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the response says the limit is close (X-RateLimit-NearLimit: true) without being a 429.</summary>
    public static bool IsNearLimit(HttpResponseMessage response) =>
        string.Equals(First(response.Headers, "X-RateLimit-NearLimit"), "true", StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset? ResetAt(HttpResponseHeaders headers)
    {
        var text = First(headers, "X-RateLimit-Reset");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        // Not Atlassian's documented form, but what many APIs send: Unix seconds.
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static long? Number(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}

/// <summary>The <c>RateLimit-Reason</c> values the app tells apart, and the part of the API each one holds back.</summary>
public static partial class JiraRateLimitReasons
{
    public const string Burst = "jira-burst-based";
    public const string PerIssueOnWrite = "jira-per-issue-on-write";
    public const string QuotaTenant = "jira-quota-tenant-based";
    public const string QuotaGlobal = "jira-quota-global-based";

    /// <summary>A reason the app does not know (a new limit): held back like a quota, the whole connection.</summary>
    public const string Other = "other";

    /// <summary>No reason header (a 503, or an older answer).</summary>
    public const string Unspecified = "unspecified";

    public static string Normalize(string? header) => header?.ToLowerInvariant() switch
    {
        null or "" => Unspecified,
        Burst => Burst,
        PerIssueOnWrite => PerIssueOnWrite,
        QuotaTenant => QuotaTenant,
        QuotaGlobal => QuotaGlobal,
        _ => Other,
    };

    /// <summary>
    /// The part of the connection's API a throttle holds back: a burst limit one endpoint and method,
    /// a per-issue limit the writes to that issue, anything else (quotas, unknown, unspecified) every call.
    /// </summary>
    public static string ScopeOf(string reason, HttpMethod method, Uri? uri) => reason switch
    {
        Burst => EndpointScope(method, uri),
        PerIssueOnWrite when IssueOf(uri) is { } issue => IssueScope(issue),
        PerIssueOnWrite => EndpointScope(method, uri),
        _ => ConnectionScope,
    };

    /// <summary>The scopes a request falls in, widest first: the connection, its endpoint, and for a write its issue.</summary>
    public static IEnumerable<string> ScopesOf(HttpMethod method, Uri? uri)
    {
        yield return ConnectionScope;
        yield return EndpointScope(method, uri);
        if (IsWrite(method) && IssueOf(uri) is { } issue)
        {
            yield return IssueScope(issue);
        }
    }

    public const string ConnectionScope = "connection";

    /// <summary>The endpoint as a template: path segments holding a digit (ids, issue keys, cloud ids) become <c>{id}</c>, the API version stays; no query.</summary>
    public static string Endpoint(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return "/";
        }

        // The segment after "api" is the API version (rest/api/3), not an id.
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return "/" + string.Join('/', segments.Select((s, i) => s.Any(char.IsAsciiDigit) && (i == 0 || segments[i - 1] != "api") ? "{id}" : s));
    }

    private static string EndpointScope(HttpMethod method, Uri? uri) => $"{method.Method} {Endpoint(uri)}";

    private static string IssueScope(string issue) => $"issue {issue}";

    private static bool IsWrite(HttpMethod method) => method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options;

    private static string? IssueOf(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && IssuePath().Match(uri.AbsolutePath) is { Success: true } match ? match.Groups[1].Value.ToUpperInvariant() : null;

    [GeneratedRegex(@"/rest/api/(?:2|3|latest)/issue/([A-Za-z][A-Za-z0-9_]*-\d+|\d+)(?:/|$)", RegexOptions.CultureInvariant)]
    private static partial Regex IssuePath();
}
