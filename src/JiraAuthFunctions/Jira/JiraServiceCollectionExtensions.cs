using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Jira;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JiraAuthFunctions.Jira;

/// <summary>The entry point for outbound Jira connections: options, the token client, the renewer, the lease.</summary>
public static class JiraServiceCollectionExtensions
{
    public static IServiceCollection AddJira(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraOptions>().BindStrict(configuration.GetSection(JiraOptions.SectionName))
            .Validate(o => o.Connections.All(c => !string.IsNullOrEmpty(c.Value.ClientId)), "Jira:Connections:<name>:ClientId is required for every connection.")
            .Validate(o => o.Connections.Keys.All(k => k.Length > 0 && k.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-')),
                "Jira:Connections names use lowercase letters, digits and '-' (they name secrets).")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<JiraOptions>, JiraWebhookOptionsValidator>());
        services.AddHttpClient<AtlassianTokenClient>(client => client.Timeout = TimeSpan.FromSeconds(15));

        // One renewer per connection across instances: a blob lease when a storage account is
        // configured (Storage:BlobServiceUri with the managed identity in Azure, or
        // Storage:ConnectionString, e.g. Azurite); within this process when the app runs on its own.
        var blobServiceUri = configuration["Storage:BlobServiceUri"];
        var connectionString = configuration["Storage:ConnectionString"];
        if (!string.IsNullOrEmpty(blobServiceUri) || !string.IsNullOrEmpty(connectionString))
        {
            services.TryAddSingleton<ILeaseProvider>(sp =>
            {
                var service = !string.IsNullOrEmpty(connectionString)
                    ? new Azure.Storage.Blobs.BlobServiceClient(connectionString, BlobLeaseProvider.ClientOptions())
                    : new Azure.Storage.Blobs.BlobServiceClient(new Uri(blobServiceUri!), sp.GetRequiredService<Azure.Core.TokenCredential>(), BlobLeaseProvider.ClientOptions());
                return new BlobLeaseProvider(service.GetBlobContainerClient(BlobLeaseProvider.ContainerName), sp.GetRequiredService<ILogger<BlobLeaseProvider>>());
            });
        }

        services.TryAddSingleton<ILeaseProvider, ProcessLeaseProvider>();

        // The Key Vault setup registers its credential first when configured; else DefaultAzureCredential
        // (in Azure it takes the user-assigned identity named by AZURE_CLIENT_ID).
        services.TryAddSingleton<Azure.Core.TokenCredential>(_ => new Azure.Identity.DefaultAzureCredential());
        services.AddSingleton<JiraTokenRenewer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<JiraOptions>, JiraRateLimitOptionsValidator>());
        services.AddJiraRestClient();
        services.AddSingleton<JiraWebhookRefresher>();
        return services;
    }
}
