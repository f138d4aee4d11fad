using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>The suite's own processes: Azurite survives a port taken under it, and nothing a test started outlives the test host.</summary>
public sealed class TestProcessesTests
{
    [Fact]
    public async Task Azurite_that_exits_because_its_port_was_taken_is_started_again_on_fresh_ports()
    {
        // The race, made certain: the first port handed out is already taken by another listener.
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var handedOut = 0;

        await using var azurite = await Azurite.StartAsync(() => handedOut++ == 0 ? taken : Ports.Free());

        Assert.True(handedOut > 3, "a second attempt picked fresh ports");
        var table = new TableClient(azurite.ConnectionString, "retried");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        Assert.Equal("r", (await table.GetEntityAsync<TableEntity>("p", "r")).Value.RowKey);
    }

    [Fact]
    public async Task A_process_registered_with_the_watchdog_dies_when_the_test_host_is_killed()
    {
        await NodeTools.EnsureInstalledAsync();

        // A stand-in test host: starts the watchdog and a long sleep, registers the sleep, prints its pid, then waits forever.
        var host = new ProcessStartInfo("node") { WorkingDirectory = NodeTools.Folder, RedirectStandardOutput = true, RedirectStandardInput = true };
        host.ArgumentList.Add("-e");
        host.ArgumentList.Add("""
            const { spawn } = require('node:child_process');
            const watchdog = spawn('node', ['watchdog.mjs'], { stdio: ['pipe', 'ignore', 'ignore'] });
            const sleeper = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
            watchdog.stdin.write(`+ ${sleeper.pid}\n`);
            console.log(sleeper.pid);
            setInterval(() => {}, 1000);
            """);
        using var fakeHost = Process.Start(host)!;
        var sleeperPid = int.Parse((await fakeHost.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(IsRunning(sleeperPid), "the sleeper runs while its host does");

        fakeHost.Kill(); // kill -9 of the host alone: no cleanup of its own runs
        await fakeHost.WaitForExitAsync();

        var deadline = Stopwatch.StartNew();
        while (IsRunning(sleeperPid) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.False(IsRunning(sleeperPid), "the watchdog killed the sleeper once its host was gone");
    }

    // Alive and not a zombie waiting to be reaped.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
