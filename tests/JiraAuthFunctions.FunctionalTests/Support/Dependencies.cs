using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>What <c>GET /api/health</c> says about one dependency.</summary>
public static class Dependencies
{
    /// <summary>The dependency's entry: name, state, detail, lastSuccess.</summary>
    public static async Task<JsonElement> HealthOfAsync(this TestApp app, string name)
    {
        using var health = JsonDocument.Parse(await app.Client.GetStringAsync(new Uri("/api/health", UriKind.Relative)));
        return health.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name).Clone();
    }
}
