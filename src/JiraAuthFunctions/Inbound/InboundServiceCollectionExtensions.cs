using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Schemes.Connect;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>The entry point for receiving Jira events: <c>AddInbound</c> registers, <c>MapInbound</c> routes.</summary>
public static class InboundServiceCollectionExtensions
{
    public static IServiceCollection AddInbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<InboundOptions, InboundOptionsValidator>(configuration, InboundOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, OAuthAppConnectionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, InboundStoresValidator>());
        services.AddStorage(configuration);
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
            sp.GetServices<InboundSchemeRegistration>(),
            sp,
            sp.GetService<JiraAuthFunctions.Signing.SigningKeyRing>()));
        AddKeyFetchHealth(services, configuration);

        // Memory or the shared table (Inbound:ReplayStore); the delivery log of webhook deliveries
        // follows it, so a retry reaching another instance is not stored twice. One health record
        // for the table's two users: replay_store in /api/health.
        services.TryAddSingleton(sp => new ReplayTableHealth(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IReplayCache>(sp => UsesReplayTable(sp)
            ? new TableReplayCache(CreateReplayTableClient(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TableReplayCache>>(), sp.GetRequiredService<ReplayTableHealth>())
            : new MemoryReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IDeliveryLog>(sp => UsesReplayTable(sp)
            ? new TableDeliveryLog(CreateReplayTableClient(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TableDeliveryLog>>(), sp.GetRequiredService<ReplayTableHealth>())
            : new MemoryDeliveryLog(sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyHealth, ReplayStoreHealth>());
        services.AddRevocationList();
        services.TryAddSingleton<ITokenValidator, TokenValidator>();
        services.TryAddSingleton<ConnectTokenValidator>();
        services.TryAddSingleton<ConnectLifecycle>();
        services.TryAddSingleton<ConnectLifecycleEndpoint>();

        // The schemes (Core's BuiltInSchemes, one line each; docs/adding-a-scheme.md): which handler serves integrations of each verification method.
        foreach (var scheme in BuiltInSchemes.All)
        {
            services.AddInboundScheme(scheme);
        }

        services.TryAddSingleton<InboundSchemes>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, InboundSchemesValidator>());
        services.TryAddSingleton<IRequestAuthenticator, RequestAuthenticator>();
        services.AddSettings<EventsOptions, EventsOptionsValidator>(configuration, EventsOptions.SectionName);
        services.TryAddSingleton<IEventSink>(sp => sp.GetRequiredService<IOptions<EventsOptions>>().Value.Sink switch
        {
            EventSinkKind.Queue => CreateQueueSink(sp),
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

    /// <summary>
    /// Registers <typeparamref name="TScheme"/> as the scheme of every integration whose <c>Verification</c> is
    /// <paramref name="verification"/>, with its options (default <see cref="InboundSchemeOptions"/>: the
    /// events route <c>/api/jira/events/{integration}</c>, no checks or keys of its own). A later
    /// registration for the same method replaces an earlier one. The handler is a singleton.
    /// </summary>
    public static IServiceCollection AddInboundScheme<TScheme>(this IServiceCollection services, VerificationMethod verification, InboundSchemeOptions? options = null)
        where TScheme : class, IInboundScheme =>
        services.AddInboundScheme(new InboundSchemeRegistration(verification, typeof(TScheme), options ?? new InboundSchemeOptions()));

    /// <summary>Registers a scheme given as a registration (its handler a singleton).</summary>
    public static IServiceCollection AddInboundScheme(this IServiceCollection services, InboundSchemeRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        services.TryAddSingleton(registration.HandlerType);
        services.AddSingleton(registration);
        return services;
    }

    // One health entry per cached key source (jwks:<name> for Jwks and Forge, install-keys:<name> and
    // connect-tenants:<name> for Connect, shared-secret:<name> for keys read from the secret store). Health is a
    // list of registrations and the integrations come from configuration, so the configured names are read here;
    // the Verification value parses as the options binder parses it.
    private static void AddKeyFetchHealth(IServiceCollection services, IConfiguration configuration)
    {
        foreach (var integration in configuration.GetSection($"{InboundOptions.SectionName}:Integrations").GetChildren())
        {
            if (Enum.TryParse<VerificationMethod>(integration["Verification"], ignoreCase: true, out var method) && method != VerificationMethod.PublicKeys)
            {
                var name = integration.Key;
                services.AddSingleton<IDependencyHealth>(sp => new KeyFetchHealth(sp.GetRequiredService<IntegrationRegistry>(), name, static (registry, name) => registry.KeyFetchHealth(name)));
                if (method == VerificationMethod.Connect)
                {
                    services.AddSingleton<IDependencyHealth>(sp => new KeyFetchHealth(sp.GetRequiredService<IntegrationRegistry>(), name, static (registry, name) => registry.TenantHealth(name)));
                }
            }
        }
    }

    private sealed class KeyFetchHealth(IntegrationRegistry integrations, string integration, Func<IntegrationRegistry, string, IDependencyHealth?> select) : IDependencyHealth
    {
        public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) =>
            select(integrations, integration)?.CheckAsync(cancellationToken) ??
            ValueTask.FromResult(new DependencyState($"keys:{integration}", HealthStatus.Healthy, "not_fetched"));
    }

    // Both clients from the Storage settings (StorageClients): a connection string, or the queue and blob URLs with the identity.
    private static QueueEventSink CreateQueueSink(IServiceProvider services)
    {
        var queueName = services.GetRequiredService<IOptions<EventsOptions>>().Value.QueueName;
        var storage = services.GetRequiredService<StorageClients>();
        return new QueueEventSink(
            storage.Queue(queueName, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Queues.QueueClientOptions())),
            storage.BlobContainer(queueName, QueueEventSink.WithRequestPathRetries(new Azure.Storage.Blobs.BlobClientOptions())),
            services.GetRequiredService<TimeProvider>(),
            createIfMissing: storage.UsesConnectionString); // in Azure the deployment creates both; the identity may only send (Storage Queue Data Message Sender)
    }

    private static bool UsesReplayTable(IServiceProvider services) =>
        services.GetRequiredService<IOptions<InboundOptions>>().Value.ReplayStore == ReplayStoreKind.Table;

    /// <summary>A client of the replay table (<c>Inbound:ReplayTableName</c>) with request-path retries: the replay cache's, the delivery log's, the revocation store's.</summary>
    internal static Azure.Data.Tables.TableClient CreateReplayTableClient(IServiceProvider services) =>
        services.GetRequiredService<StorageClients>().Table(
            services.GetRequiredService<IOptions<InboundOptions>>().Value.ReplayTableName,
            QueueEventSink.WithRequestPathRetries(new Azure.Data.Tables.TableClientOptions()));

    public static IEndpointRouteBuilder MapInbound(this IEndpointRouteBuilder endpoints)
    {
        // Each scheme's events route (/api/jira/events/{integration}, a Connect app's beneath its base URL).
        // The endpoint is a singleton, taken from the app's services: a handler parameter would be
        // resolved from RequestServices, which makes a DI scope per request for nothing.
        var services = endpoints.ServiceProvider;
        foreach (var route in InboundSchemes.EventsRoutes(services.GetServices<InboundSchemeRegistration>()))
        {
            endpoints.MapPost(route, (HttpContext context, string integration) => services.GetRequiredService<EventsEndpoint>().HandleAsync(context, integration, route));
        }

        // Atlassian Connect's lifecycle calls, beneath the app's base URL /api/connect/{app}.
        endpoints.MapPost(ConnectLifecycleEndpoint.InstalledRoute, (HttpContext context, string app, ConnectLifecycleEndpoint endpoint) => endpoint.HandleAsync(context, app, LifecycleEvent.Installed));
        endpoints.MapPost(ConnectLifecycleEndpoint.UninstalledRoute, (HttpContext context, string app, ConnectLifecycleEndpoint endpoint) => endpoint.HandleAsync(context, app, LifecycleEvent.Uninstalled));
        return endpoints;
    }
}
