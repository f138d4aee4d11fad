using System.Net;
using System.Text.Json;
using JiraAuthFunctions.Signing;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests;

public sealed class JwksEndpointTests
{
    [Fact]
    public async Task The_jwks_publishes_next_current_and_previous_public_keys_with_a_cache_age_of_half_the_publication_interval()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Signing:PublicationInterval"] = "02:00:00";
        var client = factory.CreateClient();
        var rotator = factory.Services.GetRequiredService<SigningKeyRotator>();
        await rotator.RunAsync();
        await rotator.RotateNowAsync(compromised: false);

        var response = await client.GetAsync("/api/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=3600", response.Headers.CacheControl!.ToString());
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType!.MediaType);
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var keys = jwks.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.True(keys.Count >= 2); // the new current and the previous one
        Assert.All(keys, k =>
        {
            Assert.Equal("EC", k.GetProperty("kty").GetString());
            Assert.Equal("ES256", k.GetProperty("alg").GetString());
            Assert.False(k.TryGetProperty("d", out _));
        });
    }
}
