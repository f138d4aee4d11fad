using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Jira;

/// <summary>The entry point for outbound Jira connections: options, the token client, the renewer, the lease.</summary>
public static class JiraServiceCollectionExtensions
{
    public static IServiceCollection AddJira(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<JiraOptions, JiraOptionsValidator>(configuration, JiraOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<JiraOptions>, JiraWebhookOptionsValidator>());
        // What each connection's Auth kind needs (ClientId, CloudId or BaseUrl, Email...), named by full key.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<JiraOptions>, JiraConnectionOptionsValidator>());
        services.AddHttpClient<AtlassianTokenClient>(client => client.Timeout = TimeSpan.FromSeconds(15));

        // One renewer per connection across instances: a blob lease when the blob service is
        // configured (Storage:BlobServiceUri with the managed identity in Azure, or
        // Storage:ConnectionString, e.g. Azurite); within this process when the app runs on its own.
        services.AddStorage(configuration);
        services.TryAddSingleton<ILeaseProvider>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Reaches(StorageService.Blob)
            ? (ILeaseProvider)new BlobLeaseProvider(
                sp.GetRequiredService<StorageClients>().BlobContainer(BlobLeaseProvider.ContainerName, BlobLeaseProvider.ClientOptions()),
                sp.GetRequiredService<ILogger<BlobLeaseProvider>>())
            : new ProcessLeaseProvider());
        services.AddSingleton<JiraTokenRenewer>();
        services.AddSingleton<JiraAuthFunctions.Health.IDependencyHealth, JiraConnectionsHealth>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<JiraOptions>, JiraRateLimitOptionsValidator>());
        services.AddJiraRestClient();
        services.AddSingleton<JiraWebhookRefresher>();
        return services;
    }
}
