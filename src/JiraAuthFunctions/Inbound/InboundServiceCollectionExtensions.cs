using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Inbound;

/// <summary>The entry point for receiving Jira events: <c>AddInbound</c> registers, <c>MapInbound</c> routes.</summary>
public static class InboundServiceCollectionExtensions
{
    public static IServiceCollection AddInbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InboundOptions>().BindStrict(configuration.GetSection(InboundOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, InboundOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, OAuthAppConnectionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // JWKS fetches: one long-lived client whose pooled connections are recycled, so DNS changes are seen.
        services.AddHttpClient(nameof(JwksKeySource))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(15), AllowAutoRedirect = false });

        services.TryAddSingleton(sp => IntegrationRegistry.Create(
            sp.GetRequiredService<IOptions<InboundOptions>>().Value,
            sp.GetRequiredService<ISecretStore>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(JwksKeySource)),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<JiraAuthFunctions.Telemetry.JiraAuthMetrics>(),
            sp.GetService<JiraAuthFunctions.Signing.SigningKeyRing>()));
        AddKeyFetchHealth(services, configuration);
        services.AddOptions<ReplayStoreOptions>().BindStrict(configuration.GetSection(InboundOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplayStoreOptions>>(new ReplayStoreOptionsValidator(configuration)));
        if (string.Equals(configuration["Inbound:ReplayStore"], ReplayStoreOptions.Table, StringComparison.OrdinalIgnoreCase))
        {
            // One health record for the table's two users: replay_store in /api/health.
            services.TryAddSingleton(sp => new ReplayTableHealth(sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<IReplayCache>(sp => new TableReplayCache(CreateReplayTableClient(configuration, sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TableReplayCache>>(), sp.GetRequiredService<ReplayTableHealth>()));

            // Webhook deliveries already accepted, shared the same way: a retry reaching another instance is not stored twice.
            services.TryAddSingleton<IDeliveryLog>(sp => new TableDeliveryLog(CreateReplayTableClient(configuration, sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TableDeliveryLog>>(), sp.GetRequiredService<ReplayTableHealth>()));
        }

        services.TryAddSingleton<IReplayCache, MemoryReplayCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyHealth, ReplayStoreHealth>());
        services.AddRevocationList(configuration);
        services.TryAddSingleton<ITokenValidator, TokenValidator>();
        services.TryAddSingleton<WebhookSignatureVerifier>();
        services.TryAddSingleton<JiraAuthFunctions.Connect.ConnectTokenValidator>();
        services.TryAddSingleton<JiraAuthFunctions.Connect.ConnectLifecycle>();
        services.TryAddSingleton<JiraAuthFunctions.Connect.ConnectLifecycleEndpoint>();
        services.TryAddSingleton<IRequestAuthenticator, RequestAuthenticator>();
        services.TryAddSingleton<IDeliveryLog>(sp => new MemoryDeliveryLog(sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<EventsOptions>().BindStrict(configuration.GetSection(EventsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventsOptions>>(new EventsOptionsValidator(configuration)));
        services.TryAddSingleton<IEventSink>(sp => sp.GetRequiredService<IOptions<EventsOptions>>().Value.Sink switch
        {
            EventSinkKind.Queue => CreateQueueSink(configuration, sp),
            _ => new JsonLinesEventSink(
                Path.Combine(sp.GetRequiredService<LocalData>().Path, "events"),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<JsonLinesEventSink>>()),
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<JiraAuthFunctions.Health.IDependencyHealth, EventSinkHealth>());
        services.TryAddSingleton<EventsEndpoint>();
        services.TryAddSingleton<JiraAuthFunctions.Telemetry.JiraAuthMetrics>();
        return services;
    }

    // One health entry per key source that fetches (jwks:<name> for Jwks and Forge, install-keys:<name> for
    // Connect). Health is a list of registrations and the integrations come from configuration, so the
    // configured names are read here; the Verification value parses as the options binder parses it.
    private static void AddKeyFetchHealth(IServiceCollection services, IConfiguration configuration)
    {
        foreach (var integration in configuration.GetSection($"{InboundOptions.SectionName}:Integrations").GetChildren())
        {
            if (Enum.TryParse<VerificationMethod>(integration["Verification"], ignoreCase: true, out var method) &&
                method is VerificationMethod.Jwks or VerificationMethod.Forge or VerificationMethod.Connect)
            {
                var name = integration.Key;
                services.AddSingleton<IDependencyHealth>(sp => new KeyFetchHealth(sp.GetRequiredService<IntegrationRegistry>(), name));
            }
        }
    }

    private sealed class KeyFetchHealth(IntegrationRegistry integrations, string integration) : IDependencyHealth
    {
        public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) =>
            integrations.KeyFetchHealth(integration)?.CheckAsync(cancellationToken) ??
            ValueTask.FromResult(new DependencyState($"keys:{integration}", HealthStatus.Healthy, "not_fetched"));
    }

    // Storage:ConnectionString (Azurite, or a key where one is allowed), else the managed identity
    // with Storage:QueueServiceUri and Storage:BlobServiceUri.
    private static QueueEventSink CreateQueueSink(IConfiguration configuration, IServiceProvider services)
    {
        var queueName = services.GetRequiredService<IOptions<EventsOptions>>().Value.QueueName;
        var connectionString = configuration["Storage:ConnectionString"];
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new QueueEventSink(
                new Azure.Storage.Queues.QueueClient(connectionString, queueName, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Queues.QueueClientOptions())),
                new Azure.Storage.Blobs.BlobContainerClient(connectionString, queueName, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Blobs.BlobClientOptions())),
                services.GetRequiredService<TimeProvider>());
        }

        var credential = services.GetRequiredService<Azure.Core.TokenCredential>();
        var queueService = new Uri(configuration["Storage:QueueServiceUri"] ?? throw new InvalidOperationException("Events:Sink is Queue: set Storage:QueueServiceUri (or Storage:ConnectionString)."));
        var blobService = new Uri(configuration["Storage:BlobServiceUri"] ?? throw new InvalidOperationException("Events:Sink is Queue: set Storage:BlobServiceUri for events too large for a queue message."));
        return new QueueEventSink(
            new Azure.Storage.Queues.QueueServiceClient(queueService, credential, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Queues.QueueClientOptions())).GetQueueClient(queueName),
            new Azure.Storage.Blobs.BlobServiceClient(blobService, credential, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Blobs.BlobClientOptions())).GetBlobContainerClient(queueName),
            services.GetRequiredService<TimeProvider>(),
            createIfMissing: false); // the deployment creates both; the identity may only send (Storage Queue Data Message Sender)
    }

    // Storage:ConnectionString (Azurite), else the managed identity with Storage:TableServiceUri.
    internal static Azure.Data.Tables.TableClient CreateReplayTableClient(IConfiguration configuration, IServiceProvider services)
    {
        var tableName = services.GetRequiredService<IOptions<ReplayStoreOptions>>().Value.ReplayTableName;
        var options = QueueEventSink.WithRequestPathRetries(new Azure.Data.Tables.TableClientOptions());
        var connectionString = configuration["Storage:ConnectionString"];
        var table = !string.IsNullOrEmpty(connectionString)
            ? new Azure.Data.Tables.TableClient(connectionString, tableName, options)
            : new Azure.Data.Tables.TableServiceClient(new Uri(configuration["Storage:TableServiceUri"]!), services.GetRequiredService<Azure.Core.TokenCredential>(), options).GetTableClient(tableName);
        return table;
    }

    public static IEndpointRouteBuilder MapInbound(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(EventsEndpoint.Route, (HttpContext context, string integration, EventsEndpoint endpoint) => endpoint.HandleAsync(context, integration));

        // Atlassian Connect: the app's base URL is /api/connect/{app}; lifecycle calls and events beneath it.
        endpoints.MapPost(EventsEndpoint.ConnectRoute, (HttpContext context, string integration, EventsEndpoint endpoint) => endpoint.HandleAsync(context, integration, connectRoute: true));
        endpoints.MapPost(ConnectLifecycleEndpoint.InstalledRoute, (HttpContext context, string app, ConnectLifecycleEndpoint endpoint) => endpoint.HandleAsync(context, app, LifecycleEvent.Installed));
        endpoints.MapPost(ConnectLifecycleEndpoint.UninstalledRoute, (HttpContext context, string app, ConnectLifecycleEndpoint endpoint) => endpoint.HandleAsync(context, app, LifecycleEvent.Uninstalled));
        return endpoints;
    }
}
