using System.Diagnostics;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Every process a test starts (Azurite, the app as a process) ends with the test run, pass or
/// fail, also when the test host itself is killed: started processes are registered with a
/// watchdog (tests/node/watchdog.mjs) that kills them when the test host's end of its stdin
/// closes, and killed on a normal exit too. Dispose still stops each one when its test ends.
/// </summary>
public static class ChildProcesses
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<Process> Running = [];
    private static Process? _watchdog;

    /// <summary>Starts <paramref name="start"/> and registers it; the caller still disposes it when done.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        Track(process);
        return process;
    }

    /// <summary>Kills the process and everything it started, waits for it, and forgets it. Safe to call twice.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }

        await process.WaitForExitAsync();
        Forget(process);
    }

    private static void Track(Process process)
    {
        lock (Gate)
        {
            if (_watchdog is null)
            {
                var start = new ProcessStartInfo("node") { RedirectStandardInput = true, UseShellExecute = false };
                start.ArgumentList.Add(Path.Combine(NodeTools.Folder, "watchdog.mjs"));
                _watchdog = Process.Start(start)!;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }

            Running.Add(process);
            _watchdog.StandardInput.WriteLine($"+ {process.Id}");
            _watchdog.StandardInput.Flush();
        }
    }

    private static void Forget(Process process)
    {
        lock (Gate)
        {
            if (Running.Remove(process) && _watchdog is { HasExited: false })
            {
                _watchdog.StandardInput.WriteLine($"- {process.Id}");
                _watchdog.StandardInput.Flush();
            }
        }
    }

    private static void KillAll()
    {
        lock (Gate)
        {
            foreach (var process in Running)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }

            Running.Clear();
            _watchdog?.StandardInput.Close();
        }
    }
}
