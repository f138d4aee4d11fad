using System.Globalization;
using System.Net;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Tests.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>
/// <see cref="JiraRestClient"/> as the host wires it (pacing, the per-connection retry pipeline)
/// against the Atlassian fake over real HTTP on loopback, on a fake clock: each rate-limit header
/// Atlassian documents, the scope each RateLimit-Reason holds back, POST only on a 429, the budget.
/// Times are the fake clock's, asserted as "not before", never as tight bounds.
/// </summary>
public sealed class JiraRateLimitTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-ratelimit", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly LogCapture _logs = new();
    private readonly MetricRecorder _metrics = new();
    private FakeAtlassianTokenEndpoint _jira = null!;
    private ServiceProvider _services = null!;
    private JiraRestClient _client = null!;

    public async Task InitializeAsync()
    {
        _jira = await FakeAtlassianTokenEndpoint.StartAsync(_time);
        var store = new FileSecretStore(Path.Combine(_folder, "secrets.json"), _time);
        var settings = new Dictionary<string, string?>();
        foreach (var connection in new[] { "a", "b", "paced", "short" })
        {
            settings[$"Jira:Connections:{connection}:ClientId"] = _jira.ClientId;
            settings[$"Jira:Connections:{connection}:TokenEndpoint"] = _jira.Uri.ToString();
            settings[$"Jira:Connections:{connection}:ApiBaseUrl"] = _jira.JiraBaseUri.ToString();
            await store.SetSecretAsync(JiraSecretNames.RefreshToken(connection), $"rt-{connection}");
            await store.SetSecretAsync(JiraSecretNames.AccessToken(connection), $"at-{connection}", new SecretAttributes { ExpiresOn = Start.AddHours(10) });
        }

        settings["Jira:Connections:a:RateLimit:RetryBudget"] = "00:02:00";
        settings["Jira:Connections:paced:RateLimit:PermitsPerSecond"] = "1";
        settings["Jira:Connections:paced:RateLimit:Burst"] = "2";
        settings["Jira:Connections:short:RateLimit:MaxAttempts"] = "2";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace))
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<ISecretStore>(store)
            .AddSingleton(_metrics.Metrics);
        services.AddJira(configuration);
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<JiraRestClient>();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _jira.DisposeAsync();
        _metrics.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<HttpResponseMessage> SendAsync(string connection, HttpMethod method, string issue, string? rest = null) =>
        _client.SendAsync(connection, () => new HttpRequestMessage(method, _jira.IssueUri(issue, rest))
        {
            Content = method == HttpMethod.Get ? null : new StringContent("""{"body":"hi"}""", System.Text.Encoding.UTF8, "application/json"),
        });

    /// <summary>Moves the fake clock in small steps until the call ends (its waits are on that clock).</summary>
    private async Task<T> SteppingTheClockAsync<T>(Task<T> call)
    {
        var started = DateTime.UtcNow.Ticks;
        while (!call.IsCompleted)
        {
            Assert.True(TimeSpan.FromTicks(DateTime.UtcNow.Ticks - started) < TimeSpan.FromSeconds(60), "the call did not end");
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(call, Task.Delay(5));
        }

        return await call;
    }

    /// <summary>Waits (real time, generously) until the fake has seen this many calls.</summary>
    private async Task CallsReachAsync(int count)
    {
        for (var i = 0; i < 600 && _jira.IssueCallCount < count; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(count, _jira.IssueCallCount);
    }

    private long Throttled(string reason) =>
        _metrics.Of("jiraauth.jira.throttled").Where(m => m["reason"] == reason).Sum(m => (long)m.Value);

    [Fact]
    public async Task Retry_after_in_seconds_is_waited_out_then_the_call_succeeds()
    {
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", "5"), ("RateLimit-Reason", "jira-burst-based")]);

        using var response = await SteppingTheClockAsync(SendAsync("a", HttpMethod.Get, "OPS-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var calls = _jira.IssueCallsSnapshot();
        Assert.Equal(2, calls.Length);
        Assert.True(calls[1].At >= calls[0].At.AddSeconds(5), $"retried at {calls[1].At:O}, before the 5 s Retry-After from {calls[0].At:O}");
        Assert.Equal(1, Throttled(JiraRateLimitReasons.Burst));
        var logged = Assert.Single(_logs.WithEventId(EventIds.JiraThrottled));
        Assert.Equal("jira-burst-based", logged["RateLimitReason"]);
        Assert.Equal("GET /ex/jira/{id}/rest/api/3/issue/{id}", logged["Scope"]);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_waited_out()
    {
        var at = Start.AddSeconds(7);
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", at.ToString("r", CultureInfo.InvariantCulture)), ("RateLimit-Reason", "jira-quota-tenant-based")]);

        using var response = await SteppingTheClockAsync(SendAsync("a", HttpMethod.Get, "OPS-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(_jira.IssueCallsSnapshot()[1].At >= at);
        Assert.Equal(1, Throttled(JiraRateLimitReasons.QuotaTenant));
    }

    [Fact]
    public async Task X_ratelimit_reset_alone_is_waited_out()
    {
        // Atlassian's documented form, to the minute; connection a's budget is 2 minutes.
        _jira.QueueIssueAnswer(429, headers: [("X-RateLimit-Reset", "2026-12-01T09:01Z"), ("RateLimit-Reason", "jira-quota-tenant-based")]);

        using var response = await SteppingTheClockAsync(SendAsync("a", HttpMethod.Get, "OPS-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(_jira.IssueCallsSnapshot()[1].At >= Start.AddMinutes(1));
    }

    [Fact]
    public async Task A_burst_limit_holds_back_that_endpoint_of_that_connection_only()
    {
        _jira.QueueIssueAnswer(429, "GET", "/OPS-1", ("Retry-After", "60"), ("RateLimit-Reason", "jira-burst-based"));
        var held = SendAsync("a", HttpMethod.Get, "OPS-1");
        await CallsReachAsync(1);

        // The clock stands still: these go at once, or never.
        using (var other = await SendAsync("b", HttpMethod.Get, "OPS-1"))
        using (var otherEndpoint = await SendAsync("a", HttpMethod.Post, "OPS-1", "/comment"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal(HttpStatusCode.Created, otherEndpoint.StatusCode);
        }

        // The same endpoint of the same connection waits for the minute Jira asked for.
        var second = SendAsync("a", HttpMethod.Get, "OPS-2");
        await Task.Delay(200);
        Assert.False(second.IsCompleted);
        Assert.Equal(3, _jira.IssueCallCount);

        using var first = await SteppingTheClockAsync(held);
        using var next = await SteppingTheClockAsync(second);
        Assert.All(_jira.IssueCallsSnapshot().Skip(3), c => Assert.True(c.At >= Start.AddSeconds(60)));
    }

    [Fact]
    public async Task A_quota_limit_holds_back_every_call_of_that_connection_only()
    {
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", "60"), ("RateLimit-Reason", "jira-quota-tenant-based")]);
        var held = SendAsync("a", HttpMethod.Get, "OPS-1");
        await CallsReachAsync(1);

        using (var other = await SendAsync("b", HttpMethod.Post, "OPS-9", "/comment"))
        {
            Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        }

        var otherEndpoint = SendAsync("a", HttpMethod.Post, "OPS-9", "/comment");
        await Task.Delay(200);
        Assert.False(otherEndpoint.IsCompleted);

        using var first = await SteppingTheClockAsync(held);
        using var second = await SteppingTheClockAsync(otherEndpoint);
        Assert.All(_jira.IssueCallsSnapshot().Skip(2), c => Assert.True(c.At >= Start.AddSeconds(60)));
    }

    [Fact]
    public async Task A_per_issue_write_limit_holds_back_writes_to_that_issue_only()
    {
        _jira.QueueIssueAnswer(429, "PUT", "/OPS-1", ("Retry-After", "30"), ("RateLimit-Reason", "jira-per-issue-on-write"));
        var held = SendAsync("a", HttpMethod.Put, "OPS-1");
        await CallsReachAsync(1);

        using (var read = await SendAsync("a", HttpMethod.Get, "OPS-1"))
        using (var otherIssue = await SendAsync("a", HttpMethod.Put, "OPS-2"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(HttpStatusCode.OK, otherIssue.StatusCode);
        }

        var comment = SendAsync("a", HttpMethod.Post, "OPS-1", "/comment");
        await Task.Delay(200);
        Assert.False(comment.IsCompleted);

        using var first = await SteppingTheClockAsync(held);
        using var second = await SteppingTheClockAsync(comment);
        Assert.Equal(1, Throttled(JiraRateLimitReasons.PerIssueOnWrite));
    }

    [Fact]
    public async Task A_post_is_sent_again_after_a_429_but_not_after_a_503()
    {
        _jira.QueueIssueAnswer(429, "POST", headers: [("Retry-After", "2"), ("RateLimit-Reason", "jira-burst-based")]);

        using (var created = await SteppingTheClockAsync(SendAsync("a", HttpMethod.Post, "OPS-1", "/comment")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(2, _jira.IssueCallCount);
        }

        // A 503 does not say the POST was not processed: sending it again could comment twice.
        _jira.QueueIssueAnswer(503, "POST", headers: [("Retry-After", "1")]);
        using var refused = await SteppingTheClockAsync(SendAsync("b", HttpMethod.Post, "OPS-1", "/comment"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(3, _jira.IssueCallCount);
    }

    [Fact]
    public async Task A_503_with_retry_after_is_waited_out_for_a_get()
    {
        _jira.QueueIssueAnswer(503, "GET", headers: [("Retry-After", "3")]);

        using var response = await SteppingTheClockAsync(SendAsync("b", HttpMethod.Get, "OPS-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var calls = _jira.IssueCallsSnapshot();
        Assert.True(calls[1].At >= calls[0].At.AddSeconds(3));
        Assert.Equal(1, _metrics.Of("jiraauth.jira.throttled").Count(m => m["status"] == "503"));
    }

    [Fact]
    public async Task A_wait_past_the_budget_fails_at_once_with_a_clear_error_and_holds_later_calls_back_without_sending()
    {
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", "3600"), ("RateLimit-Reason", "jira-quota-tenant-based")]);

        // The clock never moves: no wait at all, not a wait of the whole budget.
        var error = await Assert.ThrowsAsync<JiraRateLimitedException>(() => SendAsync("b", HttpMethod.Get, "OPS-1").WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(JiraRateLimitReasons.QuotaTenant, error.Reason);
        Assert.Equal(Start.AddHours(1), error.RetryAt);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("Jira:Connections:b:RateLimit", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _jira.IssueCallCount);
        Assert.Single(_logs.WithEventId(EventIds.JiraRateLimitGaveUp));

        // The quota holds every call of b for the hour: the next one is not even sent.
        await Assert.ThrowsAsync<JiraRateLimitedException>(() => SendAsync("b", HttpMethod.Post, "OPS-2", "/comment").WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, _jira.IssueCallCount);
    }

    [Fact]
    public async Task Attempts_run_out_with_a_clear_error()
    {
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", "1")]);
        _jira.QueueIssueAnswer(429, headers: [("Retry-After", "1")]);

        var error = await Assert.ThrowsAsync<JiraRateLimitedException>(() => SteppingTheClockAsync(SendAsync("short", HttpMethod.Get, "OPS-1")));

        Assert.Equal(2, error.Attempts);
        Assert.Equal(JiraRateLimitReasons.Unspecified, error.Reason);
        Assert.Equal(2, _jira.IssueCallCount);
    }

    [Fact]
    public async Task Calls_are_paced_by_the_connections_token_bucket()
    {
        // Burst 2, one a second: two go at once, the others one per second of the fake clock.
        var calls = Enumerable.Range(1, 4).Select(i => SendAsync("paced", HttpMethod.Get, $"OPS-{i}")).ToList();
        await CallsReachAsync(2);
        await Task.Delay(200);
        Assert.Equal(2, _jira.IssueCallCount);

        _time.Advance(TimeSpan.FromSeconds(1));
        await CallsReachAsync(3);
        _time.Advance(TimeSpan.FromSeconds(1));
        await CallsReachAsync(4);
        foreach (var response in await Task.WhenAll(calls))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        // Another connection has its own bucket.
        using var other = await SendAsync("b", HttpMethod.Get, "OPS-1");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
