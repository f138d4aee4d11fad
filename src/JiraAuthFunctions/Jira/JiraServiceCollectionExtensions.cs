using JiraAuthFunctions.Jira;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JiraAuthFunctions.Jira;

/// <summary>The entry point for outbound Jira connections: options, the token client, the renewer, the lease.</summary>
public static class JiraServiceCollectionExtensions
{
    public static IServiceCollection AddJira(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraOptions>().Bind(configuration.GetSection(JiraOptions.SectionName))
            .Validate(o => o.Connections.All(c => !string.IsNullOrEmpty(c.Value.ClientId)), "Jira:Connections:<name>:ClientId is required for every connection.")
            .Validate(o => o.Connections.Keys.All(k => k.Length > 0 && k.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-')),
                "Jira:Connections names use lowercase letters, digits and '-' (they name secrets).")
            .ValidateOnStart();
        services.AddHttpClient<AtlassianTokenClient>(client => client.Timeout = TimeSpan.FromSeconds(15));

        // One renewer per connection across instances: a blob lease in Azure (issue 5 wires the
        // storage account); within this process when the app runs on its own.
        services.TryAddSingleton<ILeaseProvider, ProcessLeaseProvider>();
        services.AddSingleton<JiraTokenRenewer>();
        return services;
    }
}
