using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using JiraAuthFunctions.Secrets;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// Cold start: from starting the app's process (standalone host, Production environment, listening
/// on 127.0.0.1) to the first authenticated 202. The isolated worker cannot start without the
/// Functions host, so this measures the same app code built as the worker is shipped (ReadyToRun) or not. The secret is in the data folder and the token is minted before the clock starts.
/// </summary>
internal static class ColdStart
{
    public static async Task<int> RunAsync(string[] args)
    {
        var exe = LoadServer.Arg(args, "--exe") ?? throw new ArgumentException("--exe is required");
        var runs = int.Parse(LoadServer.Arg(args, "--runs") ?? "7", System.Globalization.CultureInfo.InvariantCulture);
        var label = LoadServer.Arg(args, "--label") ?? Path.GetFileName(exe);

        var timings = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            timings.Add(await MeasureOnceAsync(exe));
        }

        timings.Sort();
        var median = timings[timings.Count / 2];
        Console.WriteLine($"coldstart {label}: median {median:F0} ms, min {timings[0]:F0} ms, max {timings[^1]:F0} ms over {runs} runs");
        return 0;
    }

    private static async Task<double> MeasureOnceAsync(string exe)
    {
        var data = Path.Combine(Path.GetTempPath(), $"jiraauth-coldstart-{Guid.NewGuid():N}");
        var store = new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System);
        var token = await LoadServer.MintAsync(store, TimeProvider.System);
        var port = FreePort();

        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add($"--DataPath={data}");
        foreach (var arg in LoadServer.IntegrationArgs())
        {
            start.ArgumentList.Add(arg);
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/jira/events/{LoadServer.Integration}")
                    {
                        Content = new StringContent("""{"webhookEvent":"jira:issue_updated","issue":{"key":"COLD-1"}}""", System.Text.Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }

                    throw new InvalidOperationException($"cold start: the first answer was {(int)response.StatusCode}, not 202");
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                    await Task.Delay(2);
                }
            }

            throw new TimeoutException("cold start: no 202 within 60 s");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
