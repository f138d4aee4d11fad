using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Azurite's blob, queue and table services (the real Azure Storage emulator, from npm) on free loopback ports,
/// in memory, for the life of a test class. Installed by <see cref="NodeTools"/>.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // Azurite's well-known development account.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    /// <summary>
    /// Starts Azurite on three free ports. A port is picked free, released, then handed to Azurite,
    /// so on a busy machine another process can take it first and Azurite exits at start: then it
    /// is started again on fresh ports (up to <see cref="Attempts"/> times), and a start that fails
    /// for good says why with Azurite's own output.
    /// </summary>
    public static Task<Azurite> StartAsync() => StartAsync(Ports.Free);

    /// <param name="freePort">Picks each port (tests of the retry hand out a taken one first).</param>
    public static async Task<Azurite> StartAsync(Func<int> freePort)
    {
        await NodeTools.EnsureInstalledAsync();
        var failures = new List<string>();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var (blobPort, queuePort, tablePort) = (freePort(), freePort(), freePort());
            var output = new System.Text.StringBuilder();
            var process = ChildProcesses.Start(StartInfo(blobPort, queuePort, tablePort));
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            if (await WaitUntilListeningAsync(process, blobPort, queuePort, tablePort))
            {
                return new Azurite(process, blobPort, queuePort, tablePort);
            }

            await ChildProcesses.StopAsync(process);
            lock (output)
            {
                failures.Add($"attempt {attempt} (ports {blobPort}, {queuePort}, {tablePort}): {(process.HasExited ? $"exited {process.ExitCode}" : "not listening after 120 s")}: {output.ToString().Trim()}");
            }

            process.Dispose();
        }

        throw new InvalidOperationException($"Azurite did not start after {Attempts} attempts:\n{string.Join('\n', failures)}");
    }

    public const int Attempts = 3;

    private static ProcessStartInfo StartInfo(int blobPort, int queuePort, int tablePort)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodeTools.Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "node_modules/azurite/dist/src/azurite.js", "--blobHost", "127.0.0.1", "--blobPort", Text(blobPort), "--queueHost", "127.0.0.1", "--queuePort", Text(queuePort), "--tableHost", "127.0.0.1", "--tablePort", Text(tablePort), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }

        return start;

        static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // Ready when all three services accept connections; false when the process exits first or 120 s pass
    // (node takes over 30 s to start it when several test classes start one at once on a busy 2-core machine).
    private static async Task<bool> WaitUntilListeningAsync(Process process, params int[] ports)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(120);
        while (!process.HasExited && TimeProvider.System.GetUtcNow() < deadline)
        {
            try
            {
                foreach (var port in ports)
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                }

                // Connected, but perhaps to a process that took a port before Azurite could: only ours counts.
                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System);
                return !process.HasExited;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcesses.StopAsync(_process);
        _process.Dispose();
    }
}
