using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Hosting;

/// <summary>The standalone host says where it listens and, with the demo integration, how to send it a first event.</summary>
internal sealed partial class QuickStart(
    IServer server,
    IHostApplicationLifetime lifetime,
    LocalData data,
    IOptions<InboundOptions> options,
    ILogger<QuickStart> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? HandlerApp.DefaultLocalUrl;
            Log.HandlerStarted(logger, address, options.Value.Integrations.Count);
            if (options.Value.Integrations.Count == 0)
            {
                Log.NoIntegrations(logger);
            }

            if (!options.Value.Integrations.ContainsKey("demo"))
            {
                return;
            }

            Log.LocalQuickStart(logger, address, data.Path);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventIds.HandlerStarted, LogLevel.Information, "JiraAuthFunctions listening on {Address} with {IntegrationCount} integrations (standalone host).", EventName = "HandlerStarted")]
        public static partial void HandlerStarted(ILogger logger, string address, int integrationCount);

        [LoggerMessage(EventIds.NoIntegrations, LogLevel.Warning, "No integration is configured: every event request will get 401. Add one under Inbound:Integrations (see docs/configuration-guide.md).", EventName = "NoIntegrations")]
        public static partial void NoIntegrations(ILogger logger);

        [LoggerMessage(EventIds.LocalQuickStart, LogLevel.Information, """
            Try it with the demo integration (data folder: {DataPath}):
              1. TOKEN=$(dotnet run --project src/JiraAuthFunctions.Cli -- token mint demo --data "{DataPath}")
              2. curl -i -X POST {Address}/api/jira/events/demo -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{{"webhookEvent":"jira:issue_updated","issue":{{"key":"DEMO-1"}}}}'
              3. See the event in {DataPath}/events/, and send the same token again: 401, reason replayed_jti in this log.
            """, EventName = "LocalQuickStart")]
        public static partial void LocalQuickStart(ILogger logger, string address, string dataPath);
    }
}
