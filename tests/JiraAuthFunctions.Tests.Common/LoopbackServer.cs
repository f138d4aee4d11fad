using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// A real HTTP server (Kestrel) on 127.0.0.1 at a port the OS picks: the one bootstrap every fake
/// (JWKS host, install keys, Key Vault, Atlassian) and the test app share. It builds, binds, starts,
/// reads the address actually bound, and stops and disposes the app.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app)
    {
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a slim app on loopback with the endpoints <paramref name="map"/> adds; over HTTPS with
    /// <paramref name="certificate"/> when one is given.
    /// </summary>
    public static Task<LoopbackServer> StartAsync(Action<WebApplication> map, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        map(app);
        return StartAsync(app);
    }

    /// <summary>Starts an app already built to listen on a loopback port 0 (the real app, as <see cref="TestApp"/> builds it).</summary>
    public static async Task<LoopbackServer> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new LoopbackServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
