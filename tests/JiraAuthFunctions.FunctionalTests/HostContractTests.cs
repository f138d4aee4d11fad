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
    public void Functions_are_anonymous_http_functions_with_an_http_output()
    {
        foreach (var file in Directory.GetFiles(Root, "function.json", SearchOption.AllDirectories).Where(IsFunctionFolder))
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
        foreach (var file in Directory.GetFiles(Root, "function.json", SearchOption.AllDirectories).Where(IsFunctionFolder))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var trigger = document.RootElement.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
            {
                yield return (Path.GetFileName(Path.GetDirectoryName(file)!), method.GetString()!, trigger.GetProperty("route").GetString()!);
            }
        }
    }

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
