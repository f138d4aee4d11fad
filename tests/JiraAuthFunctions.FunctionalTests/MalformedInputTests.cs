using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Malformed input to every route the standalone host serves, over real loopback HTTP, for every
/// scheme's integration (<see cref="MalformedCases"/>). The rule held as a class: bad input gets a
/// clear 4xx in the app's generic shape and one decision line, never a 500; no exception reaches the
/// log at Error; no token or secret reaches a log line or a response; an event that is accepted is
/// stored as received.
/// </summary>
public sealed class MalformedInputTests(AttackApp f) : IClassFixture<AttackApp>
{
    public static IEnumerable<object[]> Rows => MalformedCases.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Malformed_input_gets_a_clear_4xx_in_the_generic_shape_and_no_error_or_secret_in_the_log(string name)
    {
        var row = MalformedCases.Build(f, name);
        var before = f.App.Logs.Entries.Count;

        var reply = await RawHttp.SendAsync(f.App.BaseAddress, row.Request);

        var logs = f.App.Logs.Entries.Skip(before).ToList();
        Assert.True(reply.Status != 500, $"500 for {name}: {reply.Body}\n{Describe(logs)}");
        Assert.True(row.Statuses.Contains(reply.Status), $"Expected one of {string.Join(", ", row.Statuses)}, got {reply.Status}: {reply.Body}\n{Describe(logs)}");
        AssertBody(f.App, row, reply, logs);

        // Nothing at Error (a bad request is not the app's error), and no exception above Debug
        // (Kestrel's own bad-request lines carry one at Debug).
        var loud = logs.Where(e => !IsBackground(e) && (e.Level >= LogLevel.Error || (e.Exception is not null && e.Level >= LogLevel.Information))).ToList();
        Assert.True(loud.Count == 0, Describe(loud));

        var scanner = new LeakScanner();
        foreach (var secret in row.Secrets)
        {
            scanner.AddToken("sent", secret);
            scanner.AddSecret("sent", secret);
        }

        scanner.AddSecret("hs secret", AttackApp.Secret);
        scanner.AddSecret("OAuth client secret", AttackApp.ClientSecret);
        scanner.AddSecret("webhook secret", AttackApp.HookSecret);
        scanner.AddSecret("demo-rule secret", f.RuleSecret);
        foreach (var tenant in f.Tenants.Values)
        {
            scanner.AddSecret("tenant secret", tenant);
        }

        // A token in the jwt query parameter is part of the URL, which ASP.NET Core's request log writes whole (README).
        var text = string.Join("\n", logs.Where(e => !e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)).Select(e => e.ToString()));
        Assert.Empty(scanner.Find(text));
        Assert.Empty(scanner.Find(reply.AllText()));
    }

    private static void AssertBody(TestApp app, MalformedRow row, Reply reply, IReadOnlyList<LogEntry> logs)
    {
        switch (reply.Status)
        {
            case 200:
                return;
            case 202:
                Assert.Equal(["eventId", "requestId"], reply.Json().EnumerateObject().Select(p => p.Name));
                if (row.StoredText is { } stored)
                {
                    // Kept as received: the record of this event holds the escape as it was sent.
                    var record = Directory.GetFiles(Path.Combine(app.DataPath, "events"), "*.jsonl")
                        .SelectMany(File.ReadLines)
                        .Single(l => l.Contains(reply.EventId, StringComparison.Ordinal));
                    Assert.Contains(stored, record, StringComparison.Ordinal);
                }

                return;
            case 204:
                Assert.Equal("", reply.Body);
                return;
        }

        if (!row.AppAnswers && reply.Body.Length == 0)
        {
            return; // Kestrel or routing answered before the app: no body at all
        }

        Assert.Equal("no-store", reply.Header("Cache-Control"));
        Assert.StartsWith("application/json", reply.Header("Content-Type"), StringComparison.Ordinal);
        var body = reply.Json();
        Assert.Equal(["error", "error_description", "requestId"], body.EnumerateObject().Select(p => p.Name));
        var decision = Assert.Single(logs, e => e.EventId.Id == EventIds.RequestRejected && e["RequestId"] == reply.RequestId);
        Assert.Equal(reply.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), decision["StatusCode"]);
    }

    // The credentials job (its scheduler, or the timer row) logs about Jira connections, not about the request.
    private static bool IsBackground(LogEntry e) =>
        e.Category.StartsWith("JiraAuthFunctions.Credentials", StringComparison.Ordinal) || e.Category.StartsWith("JiraAuthFunctions.Jira.", StringComparison.Ordinal);

    private static string Describe(IEnumerable<LogEntry> entries) =>
        string.Join("\n", entries.Where(e => e.Level >= LogLevel.Information || e.Exception is not null).Select(e => e.Exception is null ? e.ToString() : $"{e.Level} {e.Category}[{e.EventId.Id}] {e.Message} | {e.Exception.Split('\n')[0]}"));
}
