using System.Text.Json;
using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The two hosts serve the same functions. The isolated worker's view is the <c>functions.metadata</c>
/// the Worker SDK generates from the [Function] adapters (what the Functions host indexes); the
/// standalone host's view is its route table. Both are compared with one table here (name, route,
/// methods, auth level, schedule): a route changed on either side fails.
/// </summary>
public sealed class HostContractTests
{
    /// <summary>The contract: every function the app has, as the Functions host exposes it.</summary>
    private static readonly (string Name, string Route, string Method)[] HttpFunctions =
    [
        ("JiraEvents", "api/jira/events/{integration}", "POST"),
        ("ConnectEvents", "api/connect/{integration}/events/{*rest}", "POST"),
        ("ConnectInstalled", "api/connect/{app}/installed", "POST"),
        ("ConnectUninstalled", "api/connect/{app}/uninstalled", "POST"),
        ("Health", "api/health", "GET"),
        ("Jwks", "api/.well-known/jwks.json", "GET"),
        ("OAuthToken", "api/oauth/token", "POST"),
    ];

    private const string TimerName = "CredentialsTimer";
    private const string TimerSchedule = "0 */5 * * * *";

    [Fact]
    public void The_generated_function_metadata_is_the_contract()
    {
        var functions = Metadata();
        var http = functions
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: f.GetProperty("bindings").EnumerateArray().First(b => b.GetProperty("direction").GetString() == "In")))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(f => f.Trigger.GetProperty("methods").EnumerateArray().Select(m => (f.Name, Route: "api/" + f.Trigger.GetProperty("route").GetString(), Method: m.GetString()!.ToUpperInvariant())))
            .ToHashSet();

        Assert.Equal(HttpFunctions.ToHashSet(), http);

        // Anonymous: the app authenticates every request itself; a function key would leak into
        // Jira's rule editor and a Connect base URL cannot carry one.
        var levels = functions.SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Select(b => b.GetProperty("authLevel").GetString())
            .Distinct();
        Assert.Equal(["Anonymous"], levels);

        var timer = Assert.Single(functions, f => f.GetProperty("name").GetString() == TimerName).GetProperty("bindings")[0];
        Assert.Equal("timerTrigger", timer.GetProperty("type").GetString());
        Assert.Equal(TimerSchedule, timer.GetProperty("schedule").GetString());
        Assert.True(timer.GetProperty("useMonitor").GetBoolean());
        Assert.Equal(HttpFunctions.Length + 1, functions.Count);
    }

    [Fact]
    public async Task The_standalone_host_serves_the_same_routes_and_no_other_api_route()
    {
        await using var app = await TestApp.StartAsync();
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Route: e.RoutePattern.RawText!.TrimStart('/'), Method: m)))
            .ToHashSet();

        Assert.Equal(HttpFunctions.Select(f => (f.Route, f.Method)).ToHashSet(), routes);

        // The timer's twin: the in-process scheduler on the same period, and the on-demand run.
        Assert.Equal(TimeSpan.FromMinutes(5), LocalCredentialsScheduler.Interval);
        Assert.Equal("/admin/functions/" + TimerName, CredentialsServiceCollectionExtensions.RunNowRoute);
    }

    [Fact]
    public void Host_json_is_the_isolated_worker_s_with_telemetry_through_opentelemetry_and_nothing_sampled_away()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "src", "JiraAuthFunctions", "host.json")));
        var root = host.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.False(root.TryGetProperty("customHandler", out _));
        Assert.Equal("api", root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("OpenTelemetry", root.GetProperty("telemetryMode").GetString());
        Assert.False(root.GetProperty("logging").GetProperty("applicationInsights").GetProperty("samplingSettings").GetProperty("isEnabled").GetBoolean());
        Assert.True(File.Exists(Path.Combine(OutputFolder(), "host.json")), "host.json is not copied beside the worker");
        Assert.True(File.Exists(Path.Combine(OutputFolder(), "worker.config.json")));
    }

    [Fact]
    public async Task The_credentials_job_runs_on_demand_on_the_standalone_host()
    {
        await using var app = await TestApp.StartAsync();

        using var response = await app.Client.PostAsync(CredentialsServiceCollectionExtensions.RunNowRoute, null);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("succeeded").GetBoolean());
        using var jwks = JsonDocument.Parse(await app.Client.GetStringAsync("/api/.well-known/jwks.json"));
        Assert.NotEmpty(jwks.RootElement.GetProperty("keys").EnumerateArray());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("203.0.113.7", false)]
    public void The_on_demand_run_answers_only_this_machine(string remote, bool served)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(remote);

        Assert.Equal(served, CredentialsServiceCollectionExtensions.IsFromThisMachine(context.Connection));
    }

    private static List<JsonElement> Metadata()
    {
        var file = Path.Combine(OutputFolder(), "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The app's build output (same configuration as the tests), where the Worker SDK writes functions.metadata.</summary>
    private static string OutputFolder()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/<tfm>/
        var folder = Path.Combine(Repository.Root, "src", "JiraAuthFunctions", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(folder, "functions.metadata")), $"no functions.metadata in {folder}: build src/JiraAuthFunctions first");
        return folder;
    }
}
