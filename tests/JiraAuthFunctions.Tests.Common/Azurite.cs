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

    public static async Task<Azurite> StartAsync()
    {
        await NodeTools.EnsureInstalledAsync();
        var port = Ports.Free();
        var queuePort = Ports.Free();
        var tablePort = Ports.Free();
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodeTools.Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "node_modules/azurite/dist/src/azurite.js", "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Ready when it accepts connections. Node takes over 30 s to start it when several test classes
        // start one at once on a busy 2-core machine: be generous.
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(120);
        while (true)
        {
            try
            {
                using var blob = new TcpClient();
                await blob.ConnectAsync(IPAddress.Loopback, port);
                using var queue = new TcpClient();
                await queue.ConnectAsync(IPAddress.Loopback, queuePort);
                using var table = new TcpClient();
                await table.ConnectAsync(IPAddress.Loopback, tablePort);
                return new Azurite(process, port, queuePort, tablePort);
            }
            catch (SocketException) when (TimeProvider.System.GetUtcNow() < deadline && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
