using Azure.Core;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Hosting;

public static partial class AzureCredentials
{
    /// <summary>
    /// Registers the app's one <see cref="TokenCredential"/>, built by <see cref="Create"/> from
    /// <c>KeyVault:ManagedIdentityClientId</c>, for every Azure client to take from the container.
    /// </summary>
    public static IServiceCollection AddAzureCredential(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<KeyVaultOptions, KeyVaultOptionsValidator>(configuration, KeyVaultOptions.SectionName);
        services.TryAddSingleton(sp => Create(sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.ManagedIdentityClientId));
        return services;
    }
}
