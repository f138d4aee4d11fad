using JiraAuthFunctions.Hosting;
using System.Text.Json;
using JiraAuthFunctions.Signing;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Signing;

/// <summary>The entry point for the app's own signing keys: <c>AddSigning</c> registers, <c>MapSigning</c> publishes the JWKS.</summary>
public static class SigningServiceCollectionExtensions
{
    public const string JwksRoute = "/api/.well-known/jwks.json";

    public static IServiceCollection AddSigning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SigningKeyOptions>().BindStrict(configuration.GetSection(SigningKeyOptions.SectionName))
            .Validate(o => o.PublicationInterval > TimeSpan.Zero && o.KeyLifetime > o.PublicationInterval,
                "Signing:KeyLifetime must be longer than Signing:PublicationInterval, which must be positive.")
            .Validate(o => o.MaxTokenLifetime > TimeSpan.Zero, "Signing:MaxTokenLifetime must be positive.")
            .ValidateOnStart();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<SigningKeyRotator>();
        services.AddSingleton<OwnTokenIssuer>();
        return services;
    }

    public static IEndpointRouteBuilder MapSigning(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(JwksRoute, WriteJwksAsync);
        return endpoints;
    }

    /// <summary><c>GET /api/.well-known/jwks.json</c>: the published public keys (next, current, previous).</summary>
    internal static async Task WriteJwksAsync(HttpContext context, SigningKeyRing ring, IOptions<SigningKeyOptions> options)
    {
        var keys = await ring.GetPublishedAsync(context.RequestAborted);

        // Half the publication interval (at most a day): a verifier's cache holds a next key
        // well before it signs anything.
        var maxAge = (long)Math.Min(options.Value.PublicationInterval.TotalSeconds / 2, TimeSpan.FromDays(1).TotalSeconds);
        context.Response.Headers.CacheControl = $"public, max-age={maxAge}";
        context.Response.ContentType = "application/jwk-set+json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("keys");
        foreach (var key in keys)
        {
            writer.WriteStartObject();
            foreach (var (name, value) in key.PublicJwk())
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
