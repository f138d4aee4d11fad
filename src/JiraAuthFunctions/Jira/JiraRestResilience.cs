using JiraAuthFunctions.Jira;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// The outbound pipeline of <see cref="JiraRestClient"/> (Microsoft.Extensions.Http.Resilience, Polly v8),
/// one pipeline per connection (its settings), outer to inner:
/// <list type="number">
/// <item>total timeout: the connection's <c>RetryBudget</c> plus one <see cref="AttemptTimeout"/>, a backstop
/// should a wait outlive the budget;</item>
/// <item>retry: <see cref="JiraRetryRules"/> decides (429 any method, 5xx/timeouts idempotent methods only,
/// the server's wait or back-off, never past the attempts or the budget);</item>
/// <item><see cref="JiraRateLimitHandler"/> (Core): waits out a limit Jira announced for the request's scope,
/// takes a permit from the connection's token bucket, counts and logs 429s;</item>
/// <item>attempt timeout (<see cref="AttemptTimeout"/>) around the send alone, so pacing and waits are not cut by it.</item>
/// </list>
/// Pacing is not Polly's rate-limiter strategy: that takes its permit before the per-scope wait, and
/// a call held back by a burst limit would burn a token other endpoints could use.
/// </summary>
internal static class JiraRestResilience
{
    /// <summary>One attempt's send, headers and body; the former HttpClient.Timeout of this client.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(20);

    public static IHttpClientBuilder AddJiraRestClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JiraRateLimits>();
        services.TryAddTransient<JiraRateLimitHandler>();

        // The pipeline's timeouts bound the call; HttpClient's own would cut a retry the budget allows.
        var client = services.AddHttpClient<JiraRestClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        client.AddResilienceHandler("jira-rest", ConfigureRetries)
            .SelectPipelineBy(_ => request => JiraRequestOptions.ConnectionOf(request) ?? string.Empty);
        client.AddHttpMessageHandler<JiraRateLimitHandler>();
        client.AddResilienceHandler("jira-rest-attempt", (pipeline, context) =>
        {
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = AttemptTimeout });
        });
        return client;
    }

    private static void ConfigureRetries(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ResilienceHandlerContext context)
    {
        var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
        var limits = context.ServiceProvider.GetRequiredService<JiraRateLimits>().LimitsOf(context.InstanceName);
        pipeline.TimeProvider = time;
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = limits.RetryBudget + AttemptTimeout });
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(limits.MaxAttempts - 1, 0),
            ShouldRetryAfterHeader = false, // JiraRetryRules reads Retry-After, and X-RateLimit-Reset that Polly does not know
            ShouldHandle = args => ValueTask.FromResult(NextDelay(args.Context, args.Outcome, args.AttemptNumber, limits, time, jitter: 0) is not null),
            DelayGenerator = args => ValueTask.FromResult(NextDelay(args.Context, args.Outcome, args.AttemptNumber, limits, time, Random.Shared.NextDouble())),
        });
    }

    // Polly counts retries from 0; JiraRetryRules counts attempts from 1.
    private static TimeSpan? NextDelay(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int retries, JiraRateLimitOptions limits, TimeProvider time, double jitter)
    {
        var request = context.GetRequestMessage();
        // No answer (the network, the attempt timeout) is retried like a 5xx; our own give-up and the caller's cancellation are not.
        var failed = outcome.Exception is HttpRequestException or TimeoutRejectedException && outcome.Exception is not JiraRateLimitedException;
        if (request is null || (outcome.Exception is not null && !failed))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var deadline = request.Options.TryGetValue(JiraRequestOptions.Deadline, out var d) ? d : now + limits.RetryBudget;
        return JiraRetryRules.NextDelay(request.Method, outcome.Result, failed, retries + 1, limits, now, deadline, jitter);
    }
}
