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
        services.AddOptions<InboundOptions>().Bind(configuration.GetSection(InboundOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InboundOptions>, InboundOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // JWKS fetches: one long-lived client whose pooled connections are recycled, so DNS changes are seen.
        services.AddHttpClient(nameof(JwksKeySource))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(15), AllowAutoRedirect = false });

        services.TryAddSingleton(sp => IntegrationRegistry.Create(
            sp.GetRequiredService<IOptions<InboundOptions>>().Value,
            sp.GetRequiredService<ISecretStore>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(JwksKeySource)),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<IReplayCache, MemoryReplayCache>();
        services.TryAddSingleton<IRevocationList>(sp => new FileRevocationList(
            Path.Combine(sp.GetRequiredService<LocalData>().Path, "revocations.json"),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileRevocationList>>()));
        services.TryAddSingleton<ITokenValidator, TokenValidator>();
        services.TryAddSingleton<IEventSink>(sp => new JsonLinesEventSink(
            Path.Combine(sp.GetRequiredService<LocalData>().Path, "events"),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<EventsEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapInbound(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(EventsEndpoint.Route, (HttpContext context, string integration, EventsEndpoint endpoint) => endpoint.HandleAsync(context, integration));
        return endpoints;
    }
}
