using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace JiraAuthFunctions.Tests;

/// <summary>Telemetry export is on with an Application Insights connection string, and off (nothing registered) without.</summary>
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task Without_a_connection_string_nothing_is_exported()
    {
        await using var factory = new HandlerFactory();
        factory.CreateClient();

        Assert.Null(factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task With_a_connection_string_the_app_metrics_are_exported()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";
        factory.Settings["AZURE_CLIENT_ID"] = "11111111-1111-1111-1111-111111111111";
        factory.CreateClient();

        Assert.NotNull(factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task The_exporter_signs_in_with_the_app_credential()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";
        factory.Settings["KeyVault:ManagedIdentityClientId"] = "11111111-1111-1111-1111-111111111111";
        factory.CreateClient();

        var exporter = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Azure.Monitor.OpenTelemetry.Exporter.AzureMonitorExporterOptions>>().CurrentValue;

        Assert.Same(factory.Services.GetRequiredService<Azure.Core.TokenCredential>(), exporter.Credential);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(exporter.Credential);
    }
}
