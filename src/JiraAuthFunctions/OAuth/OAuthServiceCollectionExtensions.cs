using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Signing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.OAuth;

/// <summary>The token endpoint for callers that cannot sign: <c>AddOAuth</c> registers, <c>MapOAuth</c> routes.</summary>
public static class OAuthServiceCollectionExtensions
{
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ClientSecrets(sp.GetRequiredService<Secrets.ISecretStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ClientRateLimiter>();
        services.TryAddSingleton<ClientCredentialsGrant>();
        services.TryAddSingleton<TokenEndpoint>();

        // The app signs these tokens: none may outlive its key's publication (Signing:MaxTokenLifetime).
        services.AddOptions<InboundOptions>().Validate<IOptions<SigningKeyOptions>>(
            (inbound, signing) => !inbound.Integrations.Values.Any(i => i.Verification == VerificationMethod.ClientCredentials && i.AccessTokenLifetime > signing.Value.MaxTokenLifetime),
            "Inbound:Integrations:<name>:AccessTokenLifetime of a ClientCredentials integration must be at most Signing:MaxTokenLifetime.");
        return services;
    }

    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(TokenEndpoint.Route, (HttpContext context, TokenEndpoint endpoint) => endpoint.HandleAsync(context));
        return endpoints;
    }
}
