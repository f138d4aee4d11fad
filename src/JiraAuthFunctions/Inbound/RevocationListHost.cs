using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Reads the revocation list before the server takes its first request (<see cref="StartingAsync"/> runs
/// before any hosted service starts, Kestrel included) and keeps it current until the app stops. A list
/// that cannot be read stops the start: revocations fail closed.
/// </summary>
internal sealed class RevocationListHost(IRevocationList revocations) : BackgroundService, IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => revocations.LoadAsync(cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => revocations.KeepCurrentAsync(stoppingToken);

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
