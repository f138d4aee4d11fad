using System.Net;
using System.Text.Json;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The Functions host's view (host.json, one folder per function with its function.json) and the
/// app agree: the executable the host starts is this app, every function's route reaches an endpoint
/// of the app with its method, and every /api endpoint of the app has a function the host exposes.
/// </summary>
public sealed class HostContractTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Host_json_starts_this_app_as_a_custom_handler_with_requests_passed_through()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "host.json")));
        var handler = host.RootElement.GetProperty("customHandler");

        Assert.Equal(typeof(HandlerApp).Assembly.GetName().Name, handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableProxyingHttpRequest").GetBoolean());
        Assert.Equal("api", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public async Task Every_function_route_reaches_the_app_with_its_method()
    {
        await using var app = await TestApp.StartAsync();
        var functions = Functions().ToList();
        Assert.NotEmpty(functions);

        foreach (var (name, method, route) in functions)
        {
            var path = "/api/" + System.Text.RegularExpressions.Regex.Replace(route, @"\{[^}]+\}", "probe");
            using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path));

            // The events function answers an unauthenticated probe with 401; anything but 404/405 shows the route exists.
            Assert.True(response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed), $"{name}: {method} {path} -> {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_api_endpoint_of_the_app_has_a_function()
    {
        await using var app = await TestApp.StartAsync();
        var appRoutes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .Where(r => r.StartsWith("api/", StringComparison.Ordinal))
            .ToHashSet();
        var functionRoutes = Functions().Select(f => "api/" + f.Route).ToHashSet();

        Assert.NotEmpty(appRoutes);
        Assert.Subset(functionRoutes, appRoutes);
    }

    [Fact]
    public void Http_functions_are_anonymous_with_an_http_output()
    {
        foreach (var file in HttpFunctionFiles())
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var bindings = document.RootElement.GetProperty("bindings").EnumerateArray().ToList();

            // Proxying applies to "HTTP-only" functions: exactly an httpTrigger and an http output.
            Assert.Equal(2, bindings.Count);
            Assert.Contains(bindings, b => b.GetProperty("type").GetString() == "httpTrigger" && b.GetProperty("authLevel").GetString() == "anonymous");
            Assert.Contains(bindings, b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "out");
        }
    }

    private static IEnumerable<(string Name, string Method, string Route)> Functions()
    {
        foreach (var file in HttpFunctionFiles())
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var trigger = document.RootElement.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
            {
                yield return (Path.GetFileName(Path.GetDirectoryName(file)!), method.GetString()!, trigger.GetProperty("route").GetString()!);
            }
        }
    }

    [Fact]
    public async Task The_credentials_timer_runs_the_job_when_the_host_invokes_it()
    {
        using var function = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "CredentialsTimer", "function.json")));
        var trigger = function.RootElement.GetProperty("bindings")[0];
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("0 */5 * * * *", trigger.GetProperty("schedule").GetString());
        await using var app = await TestApp.StartAsync();

        // The payload the host sends for a timer (see the custom-handler notes).
        using var response = await app.Client.PostAsync("/CredentialsTimer", new StringContent(
            """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"CredentialsTimer","UtcNow":"2026-11-24T12:00:00Z","RandGuid":"0f0e"}}}""",
            System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("Logs").ValueKind);
        using var jwks = JsonDocument.Parse(await app.Client.GetStringAsync("/api/.well-known/jwks.json"));
        Assert.NotEmpty(jwks.RootElement.GetProperty("keys").EnumerateArray());
    }

    private static IEnumerable<string> HttpFunctionFiles() =>
        Directory.GetFiles(Root, "function.json", SearchOption.AllDirectories)
            .Where(IsFunctionFolder)
            .Where(f => File.ReadAllText(f).Contains("\"httpTrigger\"", StringComparison.Ordinal));

    // Function folders sit at the root, beside host.json (build outputs may hold copies).
    private static bool IsFunctionFolder(string file) => Path.GetDirectoryName(Path.GetDirectoryName(file)) == Root;

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "host.json")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("host.json not found above the test binaries.");
    }
}
