using System.Diagnostics;
using System.Text;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// The app's own build (src/JiraAuthFunctions, copied beside the test assembly) run by dotnet as the
/// standalone host on a server: environment Production (no demo integrations, JSON console lines),
/// listening on 127.0.0.1 at the given port.
/// </summary>
public static class HandlerProcess
{
    /// <param name="output">Everything the process writes to stdout and stderr, line by line (lock it to read).</param>
    public static Process Start(string data, int port, IEnumerable<KeyValuePair<string, string?>> settings, out StringBuilder output)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(HandlerApp).Assembly.Location);
        start.ArgumentList.Add($"--DataPath={data}");
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        foreach (var variable in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS" })
        {
            start.Environment.Remove(variable);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var text = new StringBuilder();
        output = text;
        var process = ChildProcesses.Start(start); // killed with the test host, whatever ends it
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task WaitUntilListeningAsync(HttpClient client, Process process, StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(process.HasExited, $"The handler exited with {(process.HasExited ? process.ExitCode : 0)}: {output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        process.Kill();
        Assert.Fail($"The handler did not answer within 30 s: {output}");
    }
}
