using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Atlassian's OAuth 2.0 token endpoint as documented for rotating refresh tokens, on loopback:
/// each refresh answers a new access token (expires_in 3600) and a new refresh token; the previous
/// refresh token stays usable for a leeway (10 minutes); a reuse after that, or any unknown token,
/// invalidates the whole token family and answers 403 <c>invalid_grant</c> from then on.
/// 429 with Retry-After can be queued.
/// </summary>
public sealed class FakeAtlassianTokenEndpoint : IAsyncDisposable
{
    public static readonly TimeSpan Leeway = TimeSpan.FromMinutes(10);
    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<int> _faults = new();
    private int _generation;
    private string? _previous;
    private DateTimeOffset _rotatedAt;
    private bool _familyRevoked;

    private FakeAtlassianTokenEndpoint(WebApplication app, TimeProvider time, string clientId, string clientSecret)
    {
        _app = app;
        _time = time;
        ClientId = clientId;
        ClientSecret = clientSecret;
        CurrentRefreshToken = "rt-0";
    }

    public string ClientId { get; }
    public string ClientSecret { get; }
    public string CurrentRefreshToken { get; private set; }
    public Uri Uri { get; private set; } = null!;
    public int Refreshes { get; private set; }
    public int InvalidGrants { get; private set; }
    public int Throttled { get; private set; }

    /// <summary>Jira's REST API beside the token endpoint: accepts only the newest access token.</summary>
    public Uri ApiUri => new(Uri, "/rest/api/3/myself");

    public int ApiThrottles { get; set; }

    private async Task HandleApiAsync(HttpContext context)
    {
        bool throttled;
        bool valid;
        lock (_lock)
        {
            throttled = ApiThrottles > 0 && ApiThrottles-- > 0;
            valid = context.Request.Headers.Authorization.ToString() == $"Bearer at-{_generation}" && _generation > 0;
        }

        if (throttled)
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            return;
        }

        context.Response.StatusCode = valid ? 200 : 401;
        await context.Response.WriteAsync(valid ? """{"accountId":"5b10a2844c20165700ede21g"}""" : """{"code":401,"message":"Unauthorized"}""");
    }

    public void QueueThrottle(int times)
    {
        lock (_lock)
        {
            for (var i = 0; i < times; i++)
            {
                _faults.Enqueue(429);
            }
        }
    }

    public static async Task<FakeAtlassianTokenEndpoint> StartAsync(TimeProvider time, string clientId = "client-1", string clientSecret = "client-secret-value")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var endpoint = new FakeAtlassianTokenEndpoint(app, time, clientId, clientSecret);
        app.MapPost("/oauth/token", endpoint.HandleAsync);
        app.MapGet("/rest/api/3/myself", endpoint.HandleApiAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Uri = new Uri(address + "/oauth/token");
        return endpoint;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        JsonObject answer;
        int status;
        lock (_lock)
        {
            (status, answer) = Decide(body);
        }

        context.Response.StatusCode = status;
        if (status == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private (int, JsonObject) Decide(JsonNode? body)
    {
        if (_faults.TryDequeue(out var fault))
        {
            Throttled++;
            return (fault, new JsonObject { ["error"] = "rate_limited" });
        }

        if (body?["grant_type"]?.GetValue<string>() != "refresh_token" || body["client_id"]?.GetValue<string>() != ClientId || body["client_secret"]?.GetValue<string>() != ClientSecret)
        {
            return (401, new JsonObject { ["error"] = "access_denied" });
        }

        var presented = body["refresh_token"]?.GetValue<string>();
        var now = _time.GetUtcNow();
        var valid = !_familyRevoked && (presented == CurrentRefreshToken || (presented == _previous && now - _rotatedAt <= Leeway));
        if (!valid)
        {
            _familyRevoked = true; // reuse outside the leeway: the whole family is gone
            InvalidGrants++;
            return (403, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Unknown or invalid refresh token." });
        }

        _previous = CurrentRefreshToken;
        _rotatedAt = now;
        CurrentRefreshToken = $"rt-{++_generation}";
        Refreshes++;
        return (200, new JsonObject
        {
            ["access_token"] = $"at-{_generation}",
            ["refresh_token"] = CurrentRefreshToken,
            ["expires_in"] = 3600,
            ["scope"] = "read:jira-work write:jira-work offline_access",
            ["token_type"] = "Bearer",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
