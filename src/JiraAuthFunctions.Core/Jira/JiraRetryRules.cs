using System.Net;

namespace JiraAuthFunctions.Jira;

/// <summary>What <see cref="JiraRestClient"/>'s requests carry for the handlers below it.</summary>
public static class JiraRequestOptions
{
    /// <summary>The connection a request belongs to: its pacing, its limits, its budget.</summary>
    public static readonly HttpRequestOptionsKey<string> Connection = new("jiraauth.connection");

    /// <summary>When the call's retry budget ends; set by the first attempt.</summary>
    public static readonly HttpRequestOptionsKey<DateTimeOffset> Deadline = new("jiraauth.deadline");

    /// <summary>Attempts sent so far.</summary>
    public static readonly HttpRequestOptionsKey<int> Attempts = new("jiraauth.attempts");

    public static string? ConnectionOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Connection, out var connection) ? connection : null;
}

/// <summary>
/// When a Jira REST call is tried again, and after how long. Pure, so the host's retry strategy
/// (Polly, docs/rate-limits.md) and the log that says "gave up" decide alike:
/// <list type="bullet">
/// <item>429: any method. Atlassian's 429 means the request was not processed, so even a POST or
/// PATCH is safe to send again; after the server's wait (Retry-After, else X-RateLimit-Reset), else back-off.</item>
/// <item>503, other 5xx, 408, no answer, an attempt timeout: only idempotent methods (GET, HEAD,
/// OPTIONS, PUT, DELETE): the server may have acted on a POST or PATCH, and sending it again could
/// do it twice.</item>
/// <item>Never past the attempts or the budget: a server wait that ends after the deadline is not
/// waited for at all; our own back-off is cut to the time left.</item>
/// </list>
/// </summary>
public static class JiraRetryRules
{
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);

    public static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options ||
        method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Trace;

    /// <summary>The wait before the next attempt, or null when there is none.</summary>
    /// <param name="attempt">The attempt that just ended, from 1.</param>
    /// <param name="failed">True when the attempt ended in a transport failure or its timeout (no response).</param>
    /// <param name="jitter">A number in [0, 1) spreading our own back-off.</param>
    public static TimeSpan? NextDelay(
        HttpMethod method, HttpResponseMessage? response, bool failed, int attempt, JiraRateLimitOptions limits, DateTimeOffset now, DateTimeOffset deadline, double jitter)
    {
        if (attempt >= limits.MaxAttempts || now >= deadline)
        {
            return null;
        }

        var status = response?.StatusCode;
        var retryable = status == HttpStatusCode.TooManyRequests ||
            (IsIdempotent(method) && (failed || status is HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError));
        if (!retryable || (response is null && !failed))
        {
            return null;
        }

        if (response is not null && JiraThrottle.Read(response, now).RetryAt is { } retryAt)
        {
            // The server's wait is not ours to shorten: asking sooner only earns a longer one.
            return retryAt <= deadline ? retryAt - now : null;
        }

        var backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(attempt - 1, 16)));
        var spread = backoff / 2 + backoff / 2 * jitter;
        var left = deadline - now;
        return spread < left ? spread : left;
    }
}
