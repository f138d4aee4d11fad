using JiraAuthFunctions.Health;
using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Inbound;

/// <summary>The revocation list, part of <c>AddInbound</c>: the store chosen by <c>Inbound:RevocationStore</c>, its start-up read and polling, its health.</summary>
internal static class RevocationServiceCollectionExtensions
{
    public static IServiceCollection AddRevocationList(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RevocationStoreOptions>().Bind(configuration.GetSection(InboundOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RevocationStoreOptions>>(new RevocationStoreOptionsValidator(configuration)));
        if (string.Equals(configuration["Inbound:RevocationStore"], RevocationStoreOptions.Table, StringComparison.OrdinalIgnoreCase))
        {
            services.TryAddSingleton<IRevocationList>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<RevocationStoreOptions>>().Value;
                var store = new TableRevocationStore(InboundServiceCollectionExtensions.CreateReplayTableClient(configuration, sp));
                return new PolledRevocationList(store, store.Name, options.RevocationPollInterval, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolledRevocationList>>());
            });
        }

        services.TryAddSingleton<IRevocationList>(sp => new FileRevocationList(
            Path.Combine(sp.GetRequiredService<LocalData>().Path, "revocations.json"),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileRevocationList>>()));
        services.AddHostedService<RevocationListHost>();
        services.AddSingleton<IDependencyHealth>(sp => new RevocationListHealth(sp.GetRequiredService<IRevocationList>()));
        return services;
    }

    /// <summary>Health of whichever list is registered; every list of this app reports its own state.</summary>
    private sealed class RevocationListHealth(IRevocationList revocations) : IDependencyHealth
    {
        public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) =>
            revocations is IDependencyHealth health
                ? health.CheckAsync(cancellationToken)
                : ValueTask.FromResult(new DependencyState(RevocationHealth.Name, HealthStatus.Healthy, "not reported by " + revocations.GetType().Name));
    }
}
