using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// A key set published on loopback over real HTTP, standing in for an issuer's JWKS URL (Forge's
/// in the functional tests): <c>GET /.well-known/jwks.json</c> answers <see cref="Document"/>.
/// </summary>
public sealed class LoopbackJwks : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackJwks(WebApplication app, string document)
    {
        _app = app;
        Document = document;
    }

    /// <summary>The JWKS document served; a test may replace it.</summary>
    public string Document { get; set; }

    public Uri Uri { get; private set; } = null!;

    public static async Task<LoopbackJwks> StartAsync(string document)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var jwks = new LoopbackJwks(app, document);
        app.MapGet("/.well-known/jwks.json", () => Results.Text(jwks.Document, "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        jwks.Uri = new Uri(address + "/.well-known/jwks.json");
        return jwks;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
