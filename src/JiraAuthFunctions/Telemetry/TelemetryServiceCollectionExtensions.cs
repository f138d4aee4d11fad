using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using JiraAuthFunctions.Telemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;

namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// The entry point for telemetry export: with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, the
/// app's logs (every LoggerMessage field, event id included, as custom dimensions) and its metrics
/// (meter <see cref="JiraAuthMetrics.MeterName"/>) go to Application Insights through OpenTelemetry,
/// authenticated with the managed identity (local auth is off). Without it: nothing, silently.
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

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.AddAzureMonitorLogExporter(o =>
            {
                o.ConnectionString = connectionString;
                o.Credential = credential;
            });
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(JiraAuthMetrics.MeterName)
            .AddAzureMonitorMetricExporter(o =>
            {
                o.ConnectionString = connectionString;
                o.Credential = credential;
            }));
        return builder;
    }
}
