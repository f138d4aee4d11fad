using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// A JWKS host on loopback (real Kestrel, real HTTP): serves whatever <see cref="Respond"/> says
/// and counts the requests, so tests can prove how often the key source reaches out. Stands in for
/// an issuer's JWKS URL (Forge's in the functional tests).
/// </summary>
public sealed class JwksServer : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly Lock _lock = new();
    private int _hits;
    private TaskCompletionSource _hit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Status and body of the next answers; a test may change it at any time.</summary>
    public Func<(int Status, string Body)> Respond { get; set; } = () => (200, """{"keys":[]}""");

    /// <summary>
    /// Each request waits for this task before it is answered (counted first): a test holds a slow or
    /// hanging host with a <see cref="TaskCompletionSource"/> it completes when it wants the answer out.
    /// </summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived; false on timeout.</summary>
    public async Task<bool> WaitForHitsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task hit;
            lock (_lock)
            {
                if (_hits >= count)
                {
                    return true;
                }

                hit = _hit.Task;
            }

            try
            {
                await hit.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public Uri Uri { get; private set; } = null!;

    /// <summary>A server that always answers this JWKS document.</summary>
    public static async Task<JwksServer> StartAsync(string document)
    {
        var server = await StartAsync();
        server.Respond = () => (200, document);
        return server;
    }

    public static async Task<JwksServer> StartAsync()
    {
        var server = new JwksServer();
        server._server = await LoopbackServer.StartAsync(app => app.MapGet("/.well-known/jwks.json", async (HttpContext context) =>
        {
            TaskCompletionSource hit;
            lock (server._lock)
            {
                server._hits++;
                hit = server._hit;
                server._hit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            hit.TrySetResult();
            await server.Gate;
            var (status, body) = server.Respond();
            return Results.Text(body, "application/json", statusCode: status);
        }));
        server.Uri = new Uri(server._server.BaseAddress, "/.well-known/jwks.json");
        return server;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
