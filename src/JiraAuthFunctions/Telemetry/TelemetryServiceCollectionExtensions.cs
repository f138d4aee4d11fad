using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using JiraAuthFunctions.Telemetry;
using OpenTelemetry.Metrics;

namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// The entry point for telemetry export: with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, the
/// app's metrics (meter <see cref="JiraAuthMetrics.MeterName"/>) go to Application Insights through
/// OpenTelemetry, authenticated with the managed identity (local auth is off). Without it: nothing,
/// silently. Logs are not exported here: in Azure the handler writes one JSON object per line and
/// the Functions host ships the console to Application Insights (category Host.Function.Console),
/// so every field stays queryable and no log line is ingested twice.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static WebApplicationBuilder AddTelemetryExport(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (string.IsNullOrEmpty(connectionString))
        {
            return builder;
        }

        var clientId = builder.Configuration["AZURE_CLIENT_ID"];
        TokenCredential credential = string.IsNullOrEmpty(clientId)
            ? new Azure.Identity.DefaultAzureCredential()
            : new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId));

        builder.Services.AddMetricsExport(metrics => metrics.AddAzureMonitorMetricExporter(o =>
        {
            o.ConnectionString = connectionString;
            o.Credential = credential;
        }));
        return builder;
    }

    /// <summary>
    /// The app's metrics pipeline with the given exporter: Azure Monitor in Azure; tests pass an
    /// in-memory exporter to see exactly the names and tags Application Insights receives.
    /// </summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services, Action<MeterProviderBuilder> addExporter)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => addExporter(metrics.AddMeter(JiraAuthMetrics.MeterName)));
        return services;
    }
}
