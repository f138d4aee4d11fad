using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Atlassian's Connect install-keys service on loopback (real Kestrel): <c>GET /{kid}</c> answers the
/// PEM public key published under that kid, 404 otherwise, as the documented service does. Holds the
/// private keys too, so tests sign lifecycle calls as Atlassian would. Counts requests per path.
/// </summary>
public sealed class FakeInstallKeys : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RSA> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private FakeInstallKeys(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The base URL to configure as <c>InstallKeysBaseUrl</c> (ends with '/').</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every path requested, in order (the kid as it reached the server).</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>When set, every answer is this status without a body (an outage, throttling).</summary>
    public int? FailWith { get; set; }

    /// <summary>Each request waits for this task before it is answered (recorded first): a slow or hanging service.</summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    public static async Task<FakeInstallKeys> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeInstallKeys(app);
        app.MapGet("/{**kid}", async (HttpContext context, string kid) =>
        {
            server._requests.Enqueue(context.Request.Path.Value ?? "");
            await server.Gate;
            if (server.FailWith is { } status)
            {
                return Results.StatusCode(status);
            }

            return server._keys.TryGetValue(kid, out var rsa)
                ? Results.Text(rsa.ExportSubjectPublicKeyInfoPem(), "application/x-pem-file")
                : Results.NotFound();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address + "/");
        return server;
    }

    /// <summary>Publishes a new RSA key under <paramref name="kid"/> and returns it (private part included, for signing).</summary>
    public RSA Publish(string kid)
    {
        var rsa = RSA.Create(2048);
        _keys[kid] = rsa;
        return rsa;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
