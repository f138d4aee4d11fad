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

    /// <summary>
    /// Writes configuration keys (<c>a:b:0</c>) as the nested JSON of a settings file in the data folder,
    /// for <c>--settings</c>: the settings a test app was started with, which the CLI cannot see otherwise.
    /// </summary>
    public static async Task<string> SettingsFileAsync(string dataPath, IDictionary<string, string?> settings)
    {
        var root = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in settings.Where(s => s.Value is not null))
        {
            var node = root;
            var parts = key.Split(':');
            foreach (var part in parts[..^1])
            {
                node = (node[part] ??= new System.Text.Json.Nodes.JsonObject()).AsObject();
            }

            node[parts[^1]] = value;
        }

        var file = Path.Combine(dataPath, $"settings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, root.ToJsonString());
        return file;
    }

    /// <summary>Runs and asserts exit code 0; returns stdout.</summary>
    public static async Task<Result> RunOkAsync(string dataPath, TimeProvider time, params string[] args)
    {
        var result = await RunAsync(dataPath, time, args);
        Assert.True(result.ExitCode == 0, $"jiraauth {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
