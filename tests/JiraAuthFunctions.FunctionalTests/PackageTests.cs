using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The deployable zip, built by package.sh exactly as for a deployment (Native AOT, about a minute
/// and a half), then checked the way the Functions host uses it: host.json names an executable
/// that exists and is executable, and the handler started from the package as the host starts it
/// (no arguments, FUNCTIONS_CUSTOMHANDLER_PORT, app settings as environment variables) serves every
/// function's route and accepts an authenticated event. The replay check runs on the shared table
/// (Azurite) there, so the Native AOT build of the Azure.Data.Tables paths the app uses is exercised.
/// </summary>
public sealed class PackageTests
{
    private const string Secret = "package-test-shared-secret-0123456789abcdef";

    [Fact]
    public async Task The_package_runs_as_the_functions_host_starts_it()
    {
        var root = RepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), "jiraauth-package", Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = await RunAsync(Path.Combine(root, "package.sh"), [work], root, TimeSpan.FromMinutes(10));
            Assert.True(code == 0, output);
            var zip = Path.Combine(work, "jiraauthfunctions.zip");

            // host.json at the root points at an executable entry with its executable bit.
            using var archive = ZipFile.OpenRead(zip);
            using var host = JsonDocument.Parse(archive.GetEntry("host.json")!.Open());
            var executable = host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString()!;
            var entry = archive.GetEntry(executable);
            Assert.NotNull(entry);
            Assert.True(((entry.ExternalAttributes >> 16) & 0b001_001_001) != 0, "the handler is not executable in the zip");
            Assert.Null(archive.GetEntry("appsettings.Local.json"));
            var functions = archive.Entries.Where(e => e.FullName.EndsWith("/function.json", StringComparison.Ordinal)).Select(e => e.FullName.Split('/')[0]).ToHashSet();
            Assert.Equal(["ConnectEvents", "ConnectInstalled", "ConnectUninstalled", "CredentialsTimer", "Health", "JiraEvents", "Jwks", "OAuthToken"], functions.Order());

            var site = Path.Combine(work, "site");
            (code, output) = await RunAsync("unzip", ["-q", zip, "-d", site], work, TimeSpan.FromMinutes(1));
            Assert.True(code == 0, output);
            await AssertServesAsync(site, executable);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task AssertServesAsync(string site, string executable)
    {
        var data = Path.Combine(site, "data");
        var version = (await new FileSecretStore(Path.Combine(data, "secrets.json"), TimeProvider.System).SetSecretAsync("inbound-ci", Secret)).Version;
        await using var azurite = await Azurite.StartAsync();
        await new Azure.Data.Tables.TableClient(azurite.ConnectionString, JiraAuthFunctions.Inbound.TableReplayCache.DefaultTableName).CreateIfNotExistsAsync(); // as the deployment does
        var port = Ports.Free();
        var start = new ProcessStartInfo(Path.Combine(site, executable)) { WorkingDirectory = site, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DataPath"] = data;
        start.Environment["Inbound__ReplayStore"] = "Table";
        start.Environment["Storage__ConnectionString"] = azurite.ConnectionString;
        foreach (var (key, value) in TestApp.SharedSecretIntegration("ci"))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilListeningAsync(client);
            var token = TestTokens.Create(TestTokens.Header("HS256", version), TestTokens.Claims(TimeProvider.System.GetUtcNow()), TestTokens.Hmac(Secret));

            var accepted = await Http.PostEventAsync(client, "ci", Http.Bearer(token));
            var replayed = await Http.PostEventAsync(client, "ci", Http.Bearer(token));
            var health = await client.GetAsync("/api/health");
            var timer = await client.PostAsync("/CredentialsTimer", new StringContent("""{"Data":{"timer":{}},"Metadata":{}}""", System.Text.Encoding.UTF8, "application/json"));
            var jwks = await client.GetAsync("/api/.well-known/jwks.json");

            Assert.Equal(202, accepted.Status);
            Assert.True(replayed.Status == 401, $"replayed: {replayed.Status}; handler output:\n{string.Join("\n", log)}"); // the table had the jti: insert refused (409)
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.OK, timer.StatusCode);
            Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task WaitUntilListeningAsync(HttpClient client)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(30);
        while (true)
        {
            try
            {
                await client.GetAsync("/");
                return;
            }
            catch (HttpRequestException) when (TimeProvider.System.GetUtcNow() < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }


    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "package.sh")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("package.sh not found above the test binaries.");
    }
}
