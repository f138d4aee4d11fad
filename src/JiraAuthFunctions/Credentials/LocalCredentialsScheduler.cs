using JiraAuthFunctions.Hosting;

namespace JiraAuthFunctions.Credentials;

/// <summary>When the app runs on its own (no Functions host), runs the credentials job at start and every 5 minutes, as the timer would.</summary>
internal sealed class LocalCredentialsScheduler(CredentialsJob job, TimeProvider timeProvider) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (HandlerApp.RunsUnderFunctionsHost)
        {
            return; // the host's timer trigger runs it
        }

        using var timer = new PeriodicTimer(Interval, timeProvider);
        do
        {
            await job.RunAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
