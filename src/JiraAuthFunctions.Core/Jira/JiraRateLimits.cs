using System.Collections.Concurrent;
using System.Net;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// A Jira call gave up on a rate limit: the server's wait ends after the call's retry budget, or the
/// attempts ran out. Carries no token and no response text. An <see cref="HttpRequestException"/> with
/// status 429, so callers that handle a failed call already handle this one.
/// </summary>
public sealed class JiraRateLimitedException(string connection, string reason, DateTimeOffset? retryAt, int attempts)
    : HttpRequestException(
        $"Jira connection '{connection}' is rate limited (RateLimit-Reason {reason}){(retryAt is { } at ? $" until {at:O}" : "")}; gave up after {attempts} attempt(s) within its budget ({JiraOptions.SectionName}:Connections:{connection}:RateLimit).",
        null,
        HttpStatusCode.TooManyRequests)
{
    public string Connection { get; } = connection;
    public string Reason { get; } = reason;
    public DateTimeOffset? RetryAt { get; } = retryAt;
    public int Attempts { get; } = attempts;
}

/// <summary>
/// The rate-limit state of every connection in this instance: a token bucket per connection that
/// paces calls before Jira has to push back, and the waits Jira asked for, per limit scope (see
/// <see cref="JiraRateLimitReasons.ScopeOf"/>): a burst limit on one endpoint holds back that endpoint
/// of that connection only, a per-issue limit the writes to that issue, a quota every call of the
/// connection. Other connections are never held back. Each 429 is counted by reason
/// (<c>jiraauth.jira.throttled</c>) and logged (event 495). The state is per instance: instances of a
/// scaled-out app each learn a limit from their own 429s.
/// </summary>
public sealed partial class JiraRateLimits(IOptions<JiraOptions> options, TimeProvider timeProvider, ILogger<JiraRateLimits> logger, JiraAuthMetrics? metrics = null)
{
    private static readonly JiraRateLimitOptions Defaults = new();
    private readonly ConcurrentDictionary<string, JiraTokenBucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Connection, string Scope), Block> _blocks = new();

    private sealed record Block(DateTimeOffset Until, string Reason);

    public JiraRateLimitOptions LimitsOf(string connection) =>
        options.Value.Connections.GetValueOrDefault(connection)?.RateLimit ?? Defaults;

    /// <summary>The latest wait Jira asked for that holds this request back, if any is still running.</summary>
    public (DateTimeOffset Until, string Reason)? BlockedUntil(string connection, HttpMethod method, Uri? uri)
    {
        var now = timeProvider.GetUtcNow();
        (DateTimeOffset Until, string Reason)? latest = null;
        foreach (var scope in JiraRateLimitReasons.ScopesOf(method, uri))
        {
            if (_blocks.TryGetValue((connection, scope), out var block) && block.Until > now && (latest is null || block.Until > latest.Value.Until))
            {
                latest = (block.Until, block.Reason);
            }
        }

        return latest;
    }

    /// <summary>
    /// Before an attempt: stamps the call's deadline on its first attempt, waits out a limit Jira
    /// announced for this request's scope (or fails at once when that ends past the deadline), then
    /// takes a permit from the connection's bucket. Returns the attempt's number, from 1.
    /// </summary>
    public async Task<int> WaitTurnAsync(string connection, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var limits = LimitsOf(connection);
        var now = timeProvider.GetUtcNow();
        if (!request.Options.TryGetValue(JiraRequestOptions.Deadline, out var deadline))
        {
            deadline = now + limits.RetryBudget;
            request.Options.Set(JiraRequestOptions.Deadline, deadline);
        }

        var attempt = (request.Options.TryGetValue(JiraRequestOptions.Attempts, out var sent) ? sent : 0) + 1;
        if (BlockedUntil(connection, request.Method, request.RequestUri) is { } block)
        {
            if (block.Until > deadline)
            {
                Log.GaveUp(logger, connection, request.Method.Method, JiraRateLimitReasons.Endpoint(request.RequestUri), block.Reason, attempt - 1, block.Until, limits.RetryBudget);
                throw new JiraRateLimitedException(connection, block.Reason, block.Until, attempt - 1);
            }

            await Task.Delay(block.Until - now, timeProvider, cancellationToken).ConfigureAwait(false);
        }

        var pace = _buckets.GetOrAdd(connection, static (_, state) => new JiraTokenBucket(state.limits.PermitsPerSecond, state.limits.Burst, state.timeProvider), (limits, timeProvider)).Take();
        if (pace > TimeSpan.Zero)
        {
            await Task.Delay(pace, timeProvider, cancellationToken).ConfigureAwait(false);
        }

        request.Options.Set(JiraRequestOptions.Attempts, attempt);
        return attempt;
    }

    /// <summary>After an attempt: a 429 or 503 is counted, logged and, when it says how long, held against its scope.</summary>
    public void Observe(string connection, HttpRequestMessage request, HttpResponseMessage response, int attempt)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            if (JiraThrottle.IsNearLimit(response))
            {
                var near = JiraThrottle.Read(response, timeProvider.GetUtcNow());
                Log.NearLimit(logger, connection, request.Method.Method, JiraRateLimitReasons.Endpoint(request.RequestUri), near.Remaining, near.Limit);
            }

            return;
        }

        var now = timeProvider.GetUtcNow();
        var throttle = JiraThrottle.Read(response, now);
        var scope = JiraRateLimitReasons.ScopeOf(throttle.Reason, request.Method, request.RequestUri);
        var endpoint = JiraRateLimitReasons.Endpoint(request.RequestUri);
        metrics?.JiraThrottled(connection, throttle.Reason, throttle.Status);
        Log.Throttled(logger, connection, request.Method.Method, endpoint, throttle.Status, throttle.Reason, scope, throttle.RetryAt, attempt, throttle.Limit, throttle.Remaining);
        if (throttle.RetryAt is { } until && until > now)
        {
            _blocks.AddOrUpdate((connection, scope), new Block(until, throttle.Reason), (_, held) => held.Until >= until ? held : new Block(until, throttle.Reason));
            foreach (var (key, block) in _blocks)
            {
                if (block.Until <= now)
                {
                    _blocks.TryRemove(new KeyValuePair<(string, string), Block>(key, block));
                }
            }
        }

        var limits = LimitsOf(connection);
        var deadline = request.Options.TryGetValue(JiraRequestOptions.Deadline, out var d) ? d : now;
        if (response.StatusCode == HttpStatusCode.TooManyRequests && JiraRetryRules.NextDelay(request.Method, response, failed: false, attempt, limits, now, deadline, jitter: 0) is null)
        {
            Log.GaveUp(logger, connection, request.Method.Method, endpoint, throttle.Reason, attempt, throttle.RetryAt, limits.RetryBudget);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.JiraThrottled, LogLevel.Warning,
            "Jira connection {Connection}: {Method} {Endpoint} answered {Status} (RateLimit-Reason {RateLimitReason}, scope {Scope}); that scope waits until {RetryAt:O}. Attempt {Attempt}; limit {RateLimitLimit}, remaining {RateLimitRemaining}.",
            EventName = "JiraThrottled")]
        public static partial void Throttled(ILogger logger, string connection, string method, string endpoint, int status, string rateLimitReason, string scope, DateTimeOffset? retryAt, int attempt, long? rateLimitLimit, long? rateLimitRemaining);

        [LoggerMessage(EventIds.JiraRateLimitGaveUp, LogLevel.Warning,
            "Jira connection {Connection}: {Method} {Endpoint} gave up on a rate limit (RateLimit-Reason {RateLimitReason}) after {Attempts} attempts: the limit lifts at {RetryAt:O}, past the call's retry budget ({RetryBudget}) or its attempts; the caller gets JiraRateLimitedException.",
            EventName = "JiraRateLimitGaveUp")]
        public static partial void GaveUp(ILogger logger, string connection, string method, string endpoint, string rateLimitReason, int attempts, DateTimeOffset? retryAt, TimeSpan retryBudget);

        [LoggerMessage(EventIds.JiraNearRateLimit, LogLevel.Debug,
            "Jira connection {Connection}: {Method} {Endpoint} says the rate limit is near (remaining {RateLimitRemaining} of {RateLimitLimit}).",
            EventName = "JiraNearRateLimit")]
        public static partial void NearLimit(ILogger logger, string connection, string method, string endpoint, long? rateLimitRemaining, long? rateLimitLimit);
    }
}

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/> (so tests move it with a fake clock). A caller takes
/// a permit at once and is told how long to wait for it: the count may go below zero, which queues
/// callers in the order they came without a loop or a timer.
/// </summary>
internal sealed class JiraTokenBucket(double permitsPerSecond, int burst, TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _stamp = timeProvider.GetTimestamp();

    public TimeSpan Take()
    {
        lock (_lock)
        {
            var now = timeProvider.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + (timeProvider.GetElapsedTime(_stamp, now).TotalSeconds * permitsPerSecond));
            _stamp = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / permitsPerSecond);
        }
    }
}

/// <summary>
/// Per attempt of a <see cref="JiraRestClient"/> call (below the host's retry strategy): waits its turn
/// in <see cref="JiraRateLimits"/>, sends, reports the answer. Requests without a connection pass through.
/// </summary>
public sealed class JiraRateLimitHandler(JiraRateLimits limits) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (JiraRequestOptions.ConnectionOf(request) is not { } connection)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var attempt = await limits.WaitTurnAsync(connection, request, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        limits.Observe(connection, request, response, attempt);
        return response;
    }
}
