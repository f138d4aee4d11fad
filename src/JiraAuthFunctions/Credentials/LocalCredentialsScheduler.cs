namespace JiraAuthFunctions.Credentials;

/// <summary>The standalone host's timer: runs the credentials job at start and every 5 minutes, as the Functions timer does.</summary>
internal sealed class LocalCredentialsScheduler(CredentialsJob job, TimeProvider timeProvider) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        do
        {
            await job.RunAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
