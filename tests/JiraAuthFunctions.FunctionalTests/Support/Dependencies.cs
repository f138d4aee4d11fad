using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>What <c>GET /api/health</c> says about one dependency.</summary>
public static class Dependencies
{
    /// <summary>The dependency's entry: name, state, detail, lastSuccess (health answers 503 for an unhealthy local sink: the body says the same).</summary>
    public static async Task<JsonElement> HealthOfAsync(this TestApp app, string name)
    {
        using var response = await app.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return health.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name).Clone();
    }
}
