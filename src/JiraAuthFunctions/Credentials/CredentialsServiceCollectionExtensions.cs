using System.Text.Json;

namespace JiraAuthFunctions.Credentials;

/// <summary>The entry point for the credentials job: the timer function's endpoint and the local scheduler.</summary>
public static class CredentialsServiceCollectionExtensions
{
    /// <summary>The function's folder name: the host POSTs a timer invocation to /{FunctionName}.</summary>
    public const string TimerFunctionName = "CredentialsTimer";

    public static IServiceCollection AddCredentialsJob(this IServiceCollection services)
    {
        services.AddSingleton<CredentialsJob>();
        services.AddSingleton<JiraAuthFunctions.Inbound.SharedSecretExpiryMonitor>();
        services.AddHostedService<LocalCredentialsScheduler>();
        return services;
    }

    public static IEndpointRouteBuilder MapCredentialsJob(this IEndpointRouteBuilder endpoints)
    {
        // Custom-handler protocol for non-HTTP triggers: a JSON invocation in, {Outputs, Logs, ReturnValue} out.
        // A failed step is logged and answered 500, so the host records the invocation as failed.
        endpoints.MapPost("/" + TimerFunctionName, async (HttpContext context, CredentialsJob job) =>
        {
            var succeeded = await job.RunAsync(context.RequestAborted);
            context.Response.StatusCode = succeeded ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.Body);
            writer.WriteStartObject();
            writer.WriteStartObject("Outputs");
            writer.WriteEndObject();
            writer.WriteStartArray("Logs");
            writer.WriteStringValue(succeeded ? "Credentials job ran." : "Credentials job failed; see event id 410.");
            writer.WriteEndArray();
            writer.WriteNull("ReturnValue");
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted);
        });
        return endpoints;
    }
}
