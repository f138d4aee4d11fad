using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Jira's issue API beside the token endpoint (<c>/ex/jira/{cloudId}/rest/api/3/issue/...</c>, any
/// method) with rate limits as Atlassian documents them: queued answers of 429 or 503 with the
/// headers a test chooses (Retry-After in seconds or as a date, X-RateLimit-Reset, RateLimit-Reason,
/// X-RateLimit-Limit/Remaining/NearLimit), each taken by the first call it matches; any other call
/// answers 200. Every call is recorded with the fake clock's time. Any Bearer token is accepted: the
/// rate-limit tests are about sending, not about tokens.
/// </summary>
public sealed partial class FakeAtlassianTokenEndpoint
{
    private readonly List<ScriptedAnswer> _issueAnswers = [];

    /// <summary>One call of the issue API: method, path, the fake clock's time, its Authorization header.</summary>
    public sealed record IssueApiCall(string Method, string Path, DateTimeOffset At, string Authorization);

    private sealed record ScriptedAnswer(string? Method, string? PathEnd, int Status, (string Name, string Value)[] Headers);

    public List<IssueApiCall> IssueApiCalls { get; } = [];

    /// <summary>The issue API's base for a connection's <c>ApiBaseUrl</c> (same as <see cref="JiraBaseUri"/>).</summary>
    public Uri IssueUri(string issue, string? rest = null) => new(JiraBaseUri, $"rest/api/3/issue/{issue}{rest}");

    /// <summary>The next call matching <paramref name="method"/> and ending in <paramref name="pathEnd"/> (null: any) gets this answer.</summary>
    public void QueueIssueAnswer(int status, string? method = null, string? pathEnd = null, params (string Name, string Value)[] headers)
    {
        lock (_lock)
        {
            _issueAnswers.Add(new ScriptedAnswer(method, pathEnd, status, headers));
        }
    }

    public int IssueCallCount
    {
        get
        {
            lock (_lock)
            {
                return IssueApiCalls.Count;
            }
        }
    }

    public IssueApiCall[] IssueCallsSnapshot()
    {
        lock (_lock)
        {
            return [.. IssueApiCalls];
        }
    }

    private void MapIssueApi(WebApplication app) =>
        app.Map("/ex/jira/{cloudId}/rest/api/3/issue/{**rest}", HandleIssueApiAsync);

    private async Task HandleIssueApiAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "";
        ScriptedAnswer? answer;
        lock (_lock)
        {
            IssueApiCalls.Add(new IssueApiCall(method, path, _time.GetUtcNow(), context.Request.Headers.Authorization.ToString()));
            answer = _issueAnswers.FirstOrDefault(a => (a.Method is null || a.Method == method) && (a.PathEnd is null || path.EndsWith(a.PathEnd, StringComparison.Ordinal)));
            if (answer is not null)
            {
                _issueAnswers.Remove(answer);
            }
        }

        context.Response.ContentType = "application/json";
        if (answer is null)
        {
            context.Response.StatusCode = method == "POST" ? 201 : 200;
            await context.Response.WriteAsync("""{"id":"10000","key":"OPS-1"}""");
            return;
        }

        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(answer.Status == 429
            ? """{"errorMessages":["Rate limit exceeded."],"errors":{}}"""
            : """{"errorMessages":["Something went wrong."],"errors":{}}""");
    }
}
