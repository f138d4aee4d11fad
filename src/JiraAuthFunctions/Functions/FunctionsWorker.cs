using JiraAuthFunctions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;

namespace JiraAuthFunctions.Functions;

/// <summary>
/// The isolated-worker host: the Functions host starts this executable with its worker arguments
/// and proxies each HTTP request to the worker's Kestrel (ASP.NET Core integration), so the
/// [Function] adapters in this folder receive a real <c>HttpRequest</c> and call the same
/// endpoints the standalone host maps. Logs and spans go through OpenTelemetry, correlated with
/// the host's invocation (host.json <c>telemetryMode</c>).
/// </summary>
public static class FunctionsWorker
{
    /// <summary>
    /// The Functions host passes <c>--functions-uri</c> (its gRPC endpoint) and <c>--functions-worker-id</c>;
    /// nobody else does, and the worker cannot start without them.
    /// </summary>
    public static bool IsStartedByFunctionsHost(IReadOnlyList<string> args) =>
        args.Any(a => a.StartsWith("--functions-uri", StringComparison.Ordinal) || a.StartsWith("--functions-worker-id", StringComparison.Ordinal));

    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        builder.AddJiraAuthFunctions();
        return builder.Build();
    }
}
