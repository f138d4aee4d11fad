using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The deployable zip (package.sh) has the layout the Functions host runs an isolated worker from:
/// host.json, functions.metadata, worker.config.json and extensions.json at the root beside the
/// worker's dll, compiled ReadyToRun, the host's extension assemblies under .azurefunctions/, and
/// nothing of a person's machine (demo integrations, symbols). Publishing takes minutes on a busy
/// machine, so this test is not in the normal run: .ci/run builds the package once and runs it
/// (Category=Package) with <c>JIRAAUTH_PACKAGE_ZIP</c>; without that variable it runs package.sh itself.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageTests
{
    public const string ZipVariable = "JIRAAUTH_PACKAGE_ZIP";

    [Fact]
    public async Task The_package_is_an_isolated_worker_published_ready_to_run()
    {
        var zip = Environment.GetEnvironmentVariable(ZipVariable) is { Length: > 0 } given ? given : await BuildAsync();
        using var archive = ZipFile.OpenRead(zip);
        var names = archive.Entries.Select(e => e.FullName).ToHashSet();

        Assert.Subset(names, new HashSet<string> { "host.json", "functions.metadata", "worker.config.json", "extensions.json", "JiraAuthFunctions.dll", "appsettings.json", ".azurefunctions/function.deps.json" });
        Assert.DoesNotContain("appsettings.Local.json", names);
        Assert.DoesNotContain(names, n => n.EndsWith(".pdb", StringComparison.Ordinal) && !n.StartsWith(".azurefunctions/", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.EndsWith("/function.json", StringComparison.Ordinal));

        using var host = JsonDocument.Parse(archive.GetEntry("host.json")!.Open());
        Assert.False(host.RootElement.TryGetProperty("customHandler", out _));
        using var worker = JsonDocument.Parse(archive.GetEntry("worker.config.json")!.Open());
        var description = worker.RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("JiraAuthFunctions.dll", description.GetProperty("defaultWorkerPath").GetString());
        using var metadata = JsonDocument.Parse(archive.GetEntry("functions.metadata")!.Open());
        Assert.Equal(
            ["ConnectEvents", "ConnectInstalled", "ConnectUninstalled", "CredentialsTimer", "Health", "JiraEvents", "Jwks", "OAuthToken"],
            metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()).Order());

        // ReadyToRun: the dll carries precompiled native code (a managed native header), for linux-x64.
        using var dll = new MemoryStream();
        await using (var entry = archive.GetEntry("JiraAuthFunctions.dll")!.Open())
        {
            await entry.CopyToAsync(dll);
        }

        dll.Position = 0;
        using var pe = new PEReader(dll);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "JiraAuthFunctions.dll is not ReadyToRun");
        Assert.Equal(Machine.Amd64, (Machine)((ushort)pe.PEHeaders.CoffHeader.Machine ^ 0x7B79)); // linux-x64 R2R images xor the machine with the OS id
    }

    private static async Task<string> BuildAsync()
    {
        var work = Path.Combine(Path.GetTempPath(), "jiraauth-package", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "package.sh")) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(work);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        return Path.Combine(work, "jiraauthfunctions.zip");
    }
}
