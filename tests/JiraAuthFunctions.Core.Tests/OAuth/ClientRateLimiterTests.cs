using JiraAuthFunctions.OAuth;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Core.Tests.OAuth;

public sealed class ClientRateLimiterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Locks_out_after_the_fifth_failure_until_the_oldest_leaves_the_window()
    {
        var limiter = new ClientRateLimiter(_time);
        for (var i = 1; i < ClientRateLimiter.MaxFailures; i++)
        {
            Assert.False(limiter.RecordFailure("a.1"));
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Null(limiter.RetryAfter("a.1"));
        Assert.True(limiter.RecordFailure("a.1"));

        Assert.Equal(ClientRateLimiter.Window - TimeSpan.FromSeconds(40), limiter.RetryAfter("a.1"));
        Assert.Null(limiter.RetryAfter("b.1"));
        _time.Advance(ClientRateLimiter.Window - TimeSpan.FromSeconds(40));
        Assert.Null(limiter.RetryAfter("a.1"));
    }

    [Fact]
    public void A_success_starts_the_client_from_zero()
    {
        var limiter = new ClientRateLimiter(_time);
        for (var i = 1; i < ClientRateLimiter.MaxFailures; i++)
        {
            limiter.RecordFailure("a.1");
        }

        limiter.Reset("a.1");

        Assert.False(limiter.RecordFailure("a.1"));
        Assert.Null(limiter.RetryAfter("a.1"));
    }

    [Theory]
    [InlineData(null, "events:write events:read", true, "events:write events:read")]
    [InlineData("events:write", "events:write", true, "events:write")]
    [InlineData("events:write admin", "", false, "")]
    [InlineData("events:write events:write", "", false, "")]
    [InlineData("events:write  events:read", "", false, "")]
    public void Scopes_are_granted_only_from_the_allowed_ones(string? requested, string expected, bool ok, string _)
    {
        var granted = ClientCredentialsGrant.TryGrantScopes(requested, ["events:write", "events:read"], out var scopes);

        Assert.Equal(ok, granted);
        if (ok)
        {
            Assert.Equal(expected, string.Join(' ', scopes));
        }
    }
}
