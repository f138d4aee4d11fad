using System.Net;

namespace JiraAuthFunctions.Credentials;

/// <summary>The entry point for the credentials job: its services, and the standalone host's on-demand run.</summary>
public static class CredentialsServiceCollectionExtensions
{
    /// <summary>The timer function's name (Functions/CredentialsTimerFunction.cs); run on demand with <c>POST /admin/functions/CredentialsTimer</c>.</summary>
    public const string TimerFunctionName = "CredentialsTimer";

    /// <summary>The standalone host's on-demand run: the Functions host's admin path, answered on loopback only.</summary>
    public const string RunNowRoute = "/admin/functions/" + TimerFunctionName;

    public static IServiceCollection AddCredentialsJob(this IServiceCollection services)
    {
        services.AddSingleton<CredentialsJob>();
        services.AddSingleton<JiraAuthFunctions.Keys.SharedSecretExpiryMonitor>();
        return services;
    }

    /// <summary>
    /// <c>POST /admin/functions/CredentialsTimer</c> on the standalone host runs the job now, as a
    /// timer tick does (same steps, same log lines): 200 when every step succeeded, 500 when one
    /// failed (event id 410 names it). Only a connection from this machine (loopback) is served;
    /// any other caller gets 404, as if the route did not exist. Under the Functions host the same
    /// path is the host's admin API (master key), which invokes the timer function.
    /// </summary>
    public static IEndpointRouteBuilder MapCredentialsJobOnLoopback(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(RunNowRoute, async (HttpContext context, CredentialsJob job) =>
        {
            if (!IsFromThisMachine(context.Connection))
            {
                return Results.NotFound();
            }

            var succeeded = await job.RunAsync(context.RequestAborted);
            return Results.Json(new CredentialsRunResult(succeeded), CredentialsJsonContext.Default.CredentialsRunResult, statusCode: succeeded ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError);
        });
        return endpoints;
    }

    // A socket's remote end on loopback; the in-memory test server has no socket (no address).
    internal static bool IsFromThisMachine(ConnectionInfo connection) =>
        connection.RemoteIpAddress is null || IPAddress.IsLoopback(connection.RemoteIpAddress);
}

internal sealed record CredentialsRunResult(bool Succeeded);

[System.Text.Json.Serialization.JsonSerializable(typeof(CredentialsRunResult))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CredentialsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
