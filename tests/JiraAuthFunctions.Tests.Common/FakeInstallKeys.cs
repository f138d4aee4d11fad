using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Atlassian's Connect install-keys service on loopback (real Kestrel): <c>GET /{kid}</c> answers the
/// PEM public key published under that kid, 404 otherwise, as the documented service does. Holds the
/// private keys too, so tests sign lifecycle calls as Atlassian would. Counts requests per path.
/// </summary>
public sealed class FakeInstallKeys : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly ConcurrentDictionary<string, RSA> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

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
        var server = new FakeInstallKeys();
        server._server = await LoopbackServer.StartAsync(app => app.MapGet("/{**kid}", async (HttpContext context, string kid) =>
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
        }));
        server.BaseUrl = server._server.BaseAddress;
        return server;
    }

    /// <summary>Publishes a new RSA key under <paramref name="kid"/> and returns it (private part included, for signing).</summary>
    public RSA Publish(string kid)
    {
        var rsa = RSA.Create(2048);
        _keys[kid] = rsa;
        return rsa;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
