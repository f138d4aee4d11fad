using System.Text;
using JiraAuthFunctions.FunctionalTests.Support;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// <c>jiraauth check</c> agrees with the endpoints on every row of the attack suite (events, Connect and
/// the token endpoint): the CLI reads the same settings (the app's, given as --settings) and data folder
/// (secrets, client secret hashes, Connect tenants, revocations, the signing key) and must name the
/// row's reason. A row it cannot judge says why in the test data (<see cref="Attempt.NotCheckable"/>):
/// its outcome depends on what the app saw before (replays, retries, a client's counted failures), or
/// it is a Connect lifecycle call.
/// </summary>
public sealed class CliCheckTests(AttackApp f) : IClassFixture<AttackApp>
{
    public static IEnumerable<object[]> Rows => AttackCases.Rows;

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Check_names_the_reason_the_endpoint_logs(string name, int status, string reason)
    {
        _ = status;
        var attempt = AttackCases.Build(f, name);
        if (attempt.NotCheckable is { } why)
        {
            Assert.False(string.IsNullOrWhiteSpace(why));
            return;
        }

        var work = Directory.CreateDirectory(Path.Combine(f.App.DataPath, "check-" + Guid.NewGuid().ToString("N"))).FullName;
        var settings = await AdminCli.SettingsFileAsync(work, f.AppSettings);

        // A plain bearer token on the events route goes in as --token; everything else as the whole request.
        string[] input = attempt.Path is null && attempt.ContentType is null && attempt.Headers.Count == 0 && attempt.Authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true
            ? ["--token", attempt.Authorization["Bearer ".Length..]]
            : ["--request-file", await WriteRequestAsync(work, attempt)];

        var result = await AdminCli.RunAsync(f.App.DataPath, f.Time, ["check", attempt.Integration, .. input, "--settings", settings]);

        var expected = reason == AttackCases.DuplicateDelivery ? AttackCases.Accepted : reason;
        Assert.True(result.Output.StartsWith($"reason: {expected}\n", StringComparison.Ordinal), $"{name}: expected {expected}, the CLI said: {result.Output} {result.Error}");
        Assert.Equal(expected == AttackCases.Accepted ? 0 : 1, result.ExitCode);
        if (attempt.Authorization is { } authorization && authorization.Contains(' ', StringComparison.Ordinal))
        {
            var credentials = authorization[(authorization.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            Assert.DoesNotContain(credentials, result.Output + result.Error, StringComparison.Ordinal);
        }

        foreach (var secret in new[] { f.CcClientSecret, f.OtherCcClientSecret })
        {
            Assert.DoesNotContain(secret, result.Output + result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Check_does_not_use_up_the_jti_of_a_per_request_token()
    {
        var token = f.Hs();
        var settings = await AdminCli.SettingsFileAsync(f.App.DataPath, f.AppSettings);

        var check = await AdminCli.RunAsync(f.App.DataPath, f.Time, "check", "hs", "--token", token, "--settings", settings);
        var again = await AdminCli.RunAsync(f.App.DataPath, f.Time, "check", "hs", "--token", token, "--settings", settings);

        Assert.StartsWith("reason: accepted\n", check.Output, StringComparison.Ordinal);
        Assert.Equal(check.Output, again.Output);
        Assert.Contains("Not checked: whether the app has accepted this jti before", check.Output, StringComparison.Ordinal);
        Outcome.AssertAccepted(f.App, await f.App.PostEventAsync("hs", Http.Bearer(token)), "hs");
    }

    private static async Task<string> WriteRequestAsync(string work, Attempt attempt)
    {
        var head = new StringBuilder($"POST {attempt.Path ?? "/api/jira/events/" + attempt.Integration} HTTP/1.1\r\nContent-Type: {attempt.ContentType ?? "application/json"}; charset=utf-8\r\n");
        if (attempt.Authorization is { } authorization)
        {
            head.Append($"Authorization: {authorization}\r\n");
        }

        foreach (var (header, value) in attempt.Headers)
        {
            head.Append($"{header}: {value}\r\n");
        }

        var file = Path.Combine(work, "request.http");
        await File.WriteAllBytesAsync(file, [.. Encoding.UTF8.GetBytes(head.Append("\r\n").ToString()), .. Encoding.UTF8.GetBytes(attempt.Body)]);
        return file;
    }
}
