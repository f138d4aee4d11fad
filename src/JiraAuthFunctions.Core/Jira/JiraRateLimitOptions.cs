using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// How one connection paces its Jira REST calls and how long a throttled call may be retried
/// (<c>Jira:Connections:&lt;name&gt;:RateLimit</c>). Atlassian publishes no per-second numbers (they
/// vary by endpoint and tenant), so the defaults are a steady rate well under what one app sees
/// throttled, with a burst for the credentials job's short bursts of calls.
/// </summary>
public sealed class JiraRateLimitOptions
{
    /// <summary>Calls per second this instance sends on the connection, steady state. Default 10.</summary>
    public double PermitsPerSecond { get; set; } = 10;

    /// <summary>Calls that may go at once after a quiet spell (the bucket's size). Default 20.</summary>
    public int Burst { get; set; } = 20;

    /// <summary>Attempts of one call, the first included. Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// The time one call may spend waiting and retrying. A wait the server asks for that ends
    /// later fails the call at once (<see cref="JiraRateLimitedException"/>) instead of waiting. Default 30 s.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks every connection's <see cref="JiraRateLimitOptions"/> at start; each message names the full key.</summary>
public sealed class JiraRateLimitOptionsValidator : IValidateOptions<JiraOptions>
{
    public ValidateOptionsResult Validate(string? name, JiraOptions options)
    {
        var errors = new List<string>();
        foreach (var (connection, settings) in options.Connections)
        {
            var key = $"{JiraOptions.SectionName}:Connections:{connection}:RateLimit";
            var limits = settings.RateLimit;
            if (limits is null)
            {
                errors.Add($"{key} is empty; remove the section to take the defaults.");
                continue;
            }

            if (!(limits.PermitsPerSecond is > 0 and <= 1000))
            {
                errors.Add($"{key}:PermitsPerSecond must be more than 0 and at most 1000; it is {limits.PermitsPerSecond}.");
            }

            if (limits.Burst is < 1 or > 10_000)
            {
                errors.Add($"{key}:Burst must be between 1 and 10000; it is {limits.Burst}.");
            }

            if (limits.MaxAttempts is < 1 or > 10)
            {
                errors.Add($"{key}:MaxAttempts must be between 1 (no retry) and 10; it is {limits.MaxAttempts}.");
            }

            if (limits.RetryBudget < TimeSpan.FromSeconds(1) || limits.RetryBudget > TimeSpan.FromMinutes(5))
            {
                errors.Add($"{key}:RetryBudget must be between 00:00:01 and 00:05:00; it is {limits.RetryBudget}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
