using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JiraAuthFunctions.Hosting;

/// <summary>
/// The app both hosts share (<see cref="AddJiraAuthFunctions{TBuilder}"/>: every registration;
/// <see cref="MapJiraAuthFunctions"/>: the /api route table), and the standalone ASP.NET Core host
/// (<see cref="Build"/>) a person runs with <c>dotnet run</c> on <c>http://localhost:7071</c>, the
/// port the Functions host uses locally, so URLs carry over. The isolated worker is <see cref="Functions.FunctionsWorker"/>.
/// </summary>
public static class HandlerApp
{
    public const string DefaultLocalUrl = "http://localhost:7071";

    /// <summary>
    /// The environment of a person running the app on its own: appsettings.Local.json adds the
    /// demo integrations. Under the Functions host the environment is the host's (Production in
    /// Azure), so a deployed app never carries the demo integrations.
    /// </summary>
    public const string LocalEnvironment = "Local";

    /// <summary>Everything the endpoints and the credentials job need, on either host's builder.</summary>
    public static TBuilder AddJiraAuthFunctions<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddTelemetryExport();
        builder.Services.AddQueryTokenRedaction();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(LocalData.From(builder.Configuration));
        builder.Services.AddSecrets(builder.Configuration);
        builder.Services.AddInbound(builder.Configuration);
        builder.Services.AddSigning(builder.Configuration);
        builder.Services.AddJira(builder.Configuration);
        builder.Services.AddOAuth();
        builder.Services.AddCredentialsJob();
        builder.Services.AddSingleton<HealthEndpoint>();
        return builder;
    }

    /// <summary>
    /// The standalone host's /api routes. The isolated worker declares the same routes on its
    /// [Function] adapters (Functions/); HostContractTests compares the two.
    /// </summary>
    public static IEndpointRouteBuilder MapJiraAuthFunctions(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(HealthEndpoint.Route, (HealthEndpoint health, CancellationToken cancellationToken) => health.HandleAsync(cancellationToken));
        endpoints.MapInbound();
        endpoints.MapSigning();
        endpoints.MapOAuth();
        return endpoints;
    }

    /// <summary>The standalone host.</summary>
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
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultLocalUrl);
        }

        if (!builder.Environment.IsEnvironment(LocalEnvironment))
        {
            // Run on a server (not a person's machine): one JSON object per line keeps event id,
            // reason and every field readable by a log collector.
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }

        builder.AddJiraAuthFunctions();
        builder.Services.AddHostedService<QuickStart>();
        builder.Services.AddHostedService<LocalCredentialsScheduler>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build().WithSettingsValidated();
        app.MapGet("/", () => Results.Text("JiraAuthFunctions. Events: POST /api/jira/events/{integration}\n"));
        app.MapJiraAuthFunctions();
        app.MapCredentialsJobOnLoopback();
        return app;
    }

    /// <summary>An explicit environment wins; otherwise Local (the standalone host is a person's).</summary>
    internal static string? DefaultEnvironmentName()
    {
        var explicitName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
        return string.IsNullOrEmpty(explicitName) ? LocalEnvironment : null; // null: the builder reads it itself
    }
}
