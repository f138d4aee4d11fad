using System.Diagnostics;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Runs node scripts against npm packages (jose, atlassian-jwt) installed once per machine into
/// <c>tests/node</c> by <c>npm ci</c>. The tests install what they need themselves.
/// </summary>
public static class NodeTools
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    /// <summary>The folder holding package.json (tests/node), found by walking up from the test binaries.</summary>
    public static string Folder => Path.Combine(Repository.Root, "tests", "node");

    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed || (Directory.Exists(Path.Combine(Folder, "node_modules", "jose")) && Directory.Exists(Path.Combine(Folder, "node_modules", "azurite"))))
            {
                _installed = true;
                return;
            }

            var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Folder, stdin: null, TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                throw new InvalidOperationException($"npm ci failed in {Folder}: {output}");
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs <c>node script</c> in tests/node with the given stdin; returns stdout, throws on a non-zero exit.</summary>
    public static async Task<string> RunScriptAsync(string script, string stdin)
    {
        await EnsureInstalledAsync();
        var (code, output) = await RunAsync("node", [script], Folder, stdin, TimeSpan.FromMinutes(2));
        if (code != 0)
        {
            throw new InvalidOperationException($"node {script} exited {code}: {output}");
        }

        return output;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, string workingDirectory, string? stdin, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, (await stdout) + (process.ExitCode == 0 ? "" : "\n" + await stderr));
    }
}
