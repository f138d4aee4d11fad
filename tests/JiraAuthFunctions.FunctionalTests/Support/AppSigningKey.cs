using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// The app's current signing key, once one exists. A started app's own credentials job (the local
/// scheduler) makes the first key at start and holds the signing-keys lease meanwhile, so a test's
/// <see cref="SigningKeyRotator.RunAsync"/> can return without a key ("another instance holds the
/// lease"): wait for whichever run holds it. Returning only once the key is in the store also means
/// that run's write is over, so a CLI writing to the same file store next does not wait on its lock
/// (whose retry sleeps on the app's fake clock, which never moves by itself).
/// </summary>
public static class AppSigningKey
{
    public static async Task<SigningKey> CurrentAsync(TestApp app)
    {
        var rotator = app.Services.GetRequiredService<SigningKeyRotator>();
        var ring = app.Services.GetRequiredService<SigningKeyRing>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            await rotator.RunAsync(timeout.Token);
            if (await ring.GetCurrentAsync(timeout.Token) is { } key)
            {
                return key;
            }

            // Real time: the lease holder is the app's own job, running on the thread pool.
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, timeout.Token);
        }
    }
}
