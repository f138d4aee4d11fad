using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JiraAuthFunctions.Secrets;

/// <summary>The entry point for the secret store. The local file store is the embedded default.</summary>
public static class SecretsServiceCollectionExtensions
{
    public static IServiceCollection AddSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FileSecretStore(
            Path.Combine(sp.GetRequiredService<LocalData>().Path, "secrets.json"),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ISecretStore>(sp => sp.GetRequiredService<FileSecretStore>());

        // Only the local file store is seeded; a production store is never written to behind an admin's back.
        services.AddHostedService<LocalSecretSeeder>();
        return services;
    }
}
