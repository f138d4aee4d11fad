using JiraAuthFunctions.Health;
using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Inbound;

/// <summary>The revocation list, part of <c>AddInbound</c>: the store chosen by <c>Inbound:RevocationStore</c>, its start-up read and polling, its health.</summary>
internal static class RevocationServiceCollectionExtensions
{
    public static IServiceCollection AddRevocationList(this IServiceCollection services)
    {
        // The store chosen by Inbound:RevocationStore: the replay table, polled; else the local file.
        services.TryAddSingleton<IRevocationList>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<InboundOptions>>().Value;
            if (options.RevocationStore == RevocationStoreKind.Table)
            {
                var store = new TableRevocationStore(InboundServiceCollectionExtensions.CreateReplayTableClient(sp));
                return new PolledRevocationList(store, store.Name, options.RevocationPollInterval, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolledRevocationList>>());
            }

            return new FileRevocationList(
                Path.Combine(sp.GetRequiredService<LocalData>().Path, "revocations.json"),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<FileRevocationList>>());
        });
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
