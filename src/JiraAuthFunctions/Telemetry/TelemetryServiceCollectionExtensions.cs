using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using JiraAuthFunctions.Functions;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// The entry point for telemetry export: with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, the
/// app's logs, traces and metrics go to Application Insights through OpenTelemetry and the Azure
/// Monitor exporter, authenticated with the managed identity (local auth is off). Without it:
/// nothing, silently.
/// <list type="bullet">
/// <item>Logs: every <c>ILogger</c> line at its own level, its message fields (<c>Reason</c>,
/// <c>Integration</c>, <c>Kid</c>, <c>RequestId</c>, ...) and <c>EventId</c>/<c>EventName</c> as
/// custom dimensions, and the trace id of the invocation as <c>operation_Id</c>.</item>
/// <item>Traces: Key Vault, Storage (Azure SDK activity sources) and Atlassian (HttpClient) calls
/// as dependencies; under the Functions host the invocation's span comes from
/// <c>UseFunctionsWorkerDefaults</c> (Functions/FunctionsWorker.cs).</item>
/// <item>Nothing is sampled: a decision line must never be dropped (see <see cref="NeverSample"/>).</item>
/// </list>
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Activity sources whose spans are dependencies: the Azure SDK clients and HttpClient (Atlassian, JWKS, install keys).</summary>
    public static readonly IReadOnlyList<string> DependencySources = ["Azure.*", "System.Net.Http"];

    public static TBuilder AddTelemetryExport<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (string.IsNullOrEmpty(connectionString))
        {
            return builder;
        }

        // The app's one credential (AzureCredentials), taken from the container when the exporter is built.
        builder.Services.AddAzureCredential(builder.Configuration);
        builder.Services.AddTelemetryPipelines().UseAzureMonitorExporter(o =>
        {
            o.ConnectionString = connectionString;
            NeverSample(o);
        });
        builder.Services.AddOptions<AzureMonitorExporterOptions>().Configure<TokenCredential>((o, credential) => o.Credential = credential);
        return builder;
    }

    /// <summary>
    /// The exporter's defaults sample traces (rate-limited) and drop the logs of unsampled traces;
    /// on-call counts decision lines and alerts on single ones, so every item is kept.
    /// </summary>
    public static void NeverSample(AzureMonitorExporterOptions options)
    {
        options.TracesPerSecond = null;
        options.SamplingRatio = 1.0F;
        options.EnableTraceBasedLogsSampler = false;
    }

    /// <summary>
    /// The app's three pipelines, without an exporter: the meter, the dependency sources, and logs
    /// with their fields. Azure Monitor's exporter is added on top in Azure; tests add the
    /// in-memory exporter to see exactly what Application Insights receives.
    /// </summary>
    public static OpenTelemetryBuilder AddTelemetryPipelines(this IServiceCollection services)
    {
        // The Azure SDK's ActivitySource support is opt-in (its OpenTelemetry semantic conventions
        // are still marked experimental); without it Key Vault and Storage calls make no spans.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        return services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(JiraAuthMetrics.MeterName))
            .WithTracing(tracing => tracing.AddSource([.. DependencySources]))
            .WithLogging(configureBuilder: null, configureOptions: o =>
            {
                o.IncludeFormattedMessage = true;
                o.ParseStateValues = true;
            });
    }

    /// <summary>
    /// The app's metrics pipeline with the given exporter: tests pass an in-memory exporter to see
    /// exactly the names and tags Application Insights receives.
    /// </summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services, Action<MeterProviderBuilder> addExporter)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => addExporter(metrics.AddMeter(JiraAuthMetrics.MeterName)));
        return services;
    }
}
