using JiraAuthFunctions.Cli;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>The admin CLI run in-process, as <c>jiraauth ... --data &lt;folder&gt;</c>.</summary>
public static class AdminCli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string dataPath, TimeProvider time, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([.. args, "--data", dataPath], output, error, time);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts exit code 0; returns stdout.</summary>
    public static async Task<Result> RunOkAsync(string dataPath, TimeProvider time, params string[] args)
    {
        var result = await RunAsync(dataPath, time, args);
        Assert.True(result.ExitCode == 0, $"jiraauth {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
