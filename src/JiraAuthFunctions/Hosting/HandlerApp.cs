using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JiraAuthFunctions.Hosting;

/// <summary>
/// Builds the custom handler: the same app whether the Functions host starts it (it sets
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>; we listen on 127.0.0.1 there) or a person runs it
/// (<c>http://localhost:7071</c>, the port the Functions host uses locally, so URLs carry over).
/// </summary>
public static class HandlerApp
{
    public const string DefaultLocalUrl = "http://localhost:7071";
    public const string CustomHandlerPortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>
    /// The environment of a person running the app on its own: appsettings.Local.json adds the
    /// demo integrations. Under the Functions host the environment is Production unless set,
    /// so a deployed app never carries the demo integrations.
    /// </summary>
    public const string LocalEnvironment = "Local";

    /// <param name="args">Command-line arguments, as for any ASP.NET Core app.</param>
    /// <param name="configureServices">Extra registrations after the app's own (tests and benchmarks swap seams here).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        // Settings are read from beside the executable (embedded defaults travel with it); the
        // data folder stays relative to the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = DefaultEnvironmentName(),
        });
        ConfigureUrls(builder);
        if (!builder.Environment.IsEnvironment(LocalEnvironment))
        {
            // In Azure the host ships the console to Application Insights (category Host.Function.Console):
            // one JSON object per line keeps event id, reason and every field queryable (infra/queries).
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }

        builder.AddTelemetryExport();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(LocalData.From(builder.Configuration));
        builder.Services.AddSecrets(builder.Configuration);
        builder.Services.AddInbound(builder.Configuration);
        builder.Services.AddSigning(builder.Configuration);
        builder.Services.AddOAuth();
        builder.Services.AddJira(builder.Configuration);
        builder.Services.AddCredentialsJob();
        builder.Services.AddHostedService<QuickStart>();
        builder.Services.AddSingleton<HealthEndpoint>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // The Functions host polls "/" until it answers (any status) before sending work.
        app.MapGet("/", () => Results.Text("JiraAuthFunctions custom handler. Events: POST /api/jira/events/{integration}\n"));
        app.MapGet(HealthEndpoint.Route, (HealthEndpoint health, CancellationToken cancellationToken) => health.HandleAsync(cancellationToken));
        app.MapInbound();
        app.MapSigning();
        app.MapOAuth();
        app.MapCredentialsJob();
        return app;
    }

    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        var port = Environment.GetEnvironmentVariable(CustomHandlerPortVariable);
        if (!string.IsNullOrEmpty(port))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultLocalUrl);
        }
    }

    /// <summary>An explicit environment wins; otherwise Local on a workstation, Production under the host.</summary>
    internal static string? DefaultEnvironmentName()
    {
        var explicitName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
        if (!string.IsNullOrEmpty(explicitName))
        {
            return null; // the builder reads it itself
        }

        return RunsUnderFunctionsHost ? Environments.Production : LocalEnvironment;
    }

    internal static bool RunsUnderFunctionsHost => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CustomHandlerPortVariable));
}
