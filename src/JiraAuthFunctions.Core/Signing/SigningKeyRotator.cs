using System.Diagnostics.Metrics;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Signing;

/// <summary>
/// Moves the signing keys through their lives, one step per run of the credentials job:
/// publish the next key at least <see cref="SigningKeyOptions.PublicationInterval"/> before it
/// signs; make it current when due (the old current becomes previous); retire a previous key once
/// every token it signed has expired (<see cref="SigningKeyOptions.MaxTokenLifetime"/> + skew).
/// <see cref="RotateNowAsync"/> is for incidents: a compromised key leaves the JWKS at once.
/// After each run the rotator knows the current key's age and when the next step is due; with
/// metrics given, both are gauges (a stalled rotation shows as an age past the key lifetime).
/// Every step takes the lease <see cref="LeaseName"/> and reads the keys again under it, so
/// instances running at once never make two keys current; an instance that finds the lease held
/// leaves this run to the holder.
/// </summary>
public sealed partial class SigningKeyRotator(SigningKeyRing ring, ISecretStore store, ILeaseProvider leases, TimeProvider timeProvider, ILogger<SigningKeyRotator> logger, JiraAuthMetrics? metrics = null)
{
    public const string LeaseName = "signing-keys";
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private volatile SigningKeySchedule? _schedule;
    private int _gaugesRegistered;

    private SigningKeyOptions Options => ring.Options;

    /// <summary>What the last run in this process left: null before the first run and after <see cref="RotateNowAsync"/>.</summary>
    public SigningKeySchedule? Schedule => _schedule;

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        RegisterGauges();
        await using var lease = await leases.TryAcquireAsync(LeaseName, LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            Log.LeaseHeld(logger);
            return;
        }

        // Read under the lease: the holder before us may have moved the keys already.
        var now = timeProvider.GetUtcNow();
        var keys = await ring.LoadAsync(cancellationToken).ConfigureAwait(false);
        var current = keys.Where(k => k.State == SigningKeyState.Current).MaxBy(k => k.Properties.CreatedOn);
        var next = keys.FirstOrDefault(k => k.State == SigningKeyState.Next);
        var retirements = keys.Where(k => k.State == SigningKeyState.Previous && k.RetiresOn > now).Select(k => k.RetiresOn!.Value).ToList();

        foreach (var previous in keys.Where(k => k.State == SigningKeyState.Previous && k.RetiresOn <= now))
        {
            await RetireAsync(previous, cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset currentSince;
        DateTimeOffset? nextActivatesOn = next?.ActivatesOn;
        if (next is not null && next.ActivatesOn <= now)
        {
            if (current is not null)
            {
                await DemoteAsync(current, now, cancellationToken).ConfigureAwait(false);
                retirements.Add(now + Options.MaxTokenLifetime + Options.ClockSkew);
            }

            await SetStateAsync(next, SigningKeyState.Current, next.TagsFor(SigningKeyState.Current, activatesOn: now), cancellationToken).ConfigureAwait(false);
            Log.Promoted(logger, next.Kid);
            current = next;
            next = null;
            nextActivatesOn = null;
            currentSince = now;
        }
        else
        {
            currentSince = current is null ? now : current.ActivatesOn ?? current.Properties.CreatedOn;
        }

        if (current is null)
        {
            // First run: nothing trusts a key yet, so the first one signs at once.
            await CreateAsync(SigningKeyState.Current, now, cancellationToken).ConfigureAwait(false);
        }
        else if (next is null)
        {
            var handover = currentSince + Options.KeyLifetime;
            if (handover - Options.PublicationInterval <= now)
            {
                var activatesOn = handover > now + Options.PublicationInterval ? handover : now + Options.PublicationInterval;
                await CreateAsync(SigningKeyState.Next, activatesOn, cancellationToken).ConfigureAwait(false);
                nextActivatesOn = activatesOn;
            }
        }

        // The next step: the next key's promotion, or else its creation, or a previous key's retirement if sooner.
        var nextStep = nextActivatesOn ?? currentSince + Options.KeyLifetime - Options.PublicationInterval;
        _schedule = new SigningKeySchedule(currentSince, retirements.Append(nextStep).Min());
        ring.Invalidate();
    }

    /// <summary>
    /// A new key signs from now on. The old current key stays published until its tokens expire,
    /// or, when <paramref name="compromised"/>, is retired at once (its tokens stop verifying).
    /// While another instance holds the lease (a run is moving the keys), waits for it up to
    /// <see cref="LeaseDuration"/>, then throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public async Task RotateNowAsync(bool compromised, CancellationToken cancellationToken = default)
    {
        await using var lease = await WaitForLeaseAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        var keys = await ring.LoadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var current in keys.Where(k => k.State == SigningKeyState.Current))
        {
            if (compromised)
            {
                await RetireAsync(current, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await DemoteAsync(current, now, cancellationToken).ConfigureAwait(false);
            }
        }

        var kid = await CreateAsync(SigningKeyState.Current, now, cancellationToken).ConfigureAwait(false);
        Log.RotatedNow(logger, kid, compromised);
        _schedule = null; // the next run works it out from the store
        ring.Invalidate();
    }

    private async Task<IAsyncDisposable> WaitForLeaseAsync(CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + LeaseDuration;
        while (true)
        {
            if (await leases.TryAcquireAsync(LeaseName, LeaseDuration, cancellationToken).ConfigureAwait(false) is { } lease)
            {
                return lease;
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new InvalidOperationException($"Another instance has held the lease '{LeaseName}' for {LeaseDuration.TotalSeconds:0} s, changing the signing keys; rotate again in a minute.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private void RegisterGauges()
    {
        if (metrics is null || Interlocked.Exchange(ref _gaugesRegistered, 1) != 0)
        {
            return;
        }

        metrics.ObserveGauge("jiraauth.signing.current_key.age_seconds", "Seconds since the current signing key started signing (past Signing:KeyLifetime: rotation stalled).", () =>
            _schedule is { } schedule ? [new Measurement<double>((timeProvider.GetUtcNow() - schedule.CurrentSince).TotalSeconds)] : []);
        metrics.ObserveGauge("jiraauth.signing.seconds_to_next_step", "Seconds until the next signing-key step is due (negative: overdue).", () =>
            _schedule is { } schedule ? [new Measurement<double>((schedule.NextStepAt - timeProvider.GetUtcNow()).TotalSeconds)] : []);
    }

    private async Task<string> CreateAsync(SigningKeyState state, DateTimeOffset activatesOn, CancellationToken cancellationToken)
    {
        var (value, attributes) = SigningKey.Create(state, activatesOn);
        await store.SetSecretAsync(Options.SecretName, value, attributes, cancellationToken).ConfigureAwait(false);
        var kid = attributes.Tags!["kid"];
        Log.Created(logger, kid, state.ToString(), activatesOn);
        return kid;
    }

    private Task DemoteAsync(SigningKey key, DateTimeOffset now, CancellationToken cancellationToken) =>
        SetStateAsync(key, SigningKeyState.Previous, key.TagsFor(SigningKeyState.Previous, retiresOn: now + Options.MaxTokenLifetime + Options.ClockSkew), cancellationToken);

    private async Task RetireAsync(SigningKey key, CancellationToken cancellationToken)
    {
        await store.UpdateSecretPropertiesAsync(key.Properties with { Enabled = false, Tags = key.TagsFor(SigningKeyState.Retired) }, cancellationToken).ConfigureAwait(false);
        Log.Retired(logger, key.Kid);
    }

    private Task SetStateAsync(SigningKey key, SigningKeyState state, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        store.UpdateSecretPropertiesAsync(key.Properties with { Tags = tags }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventIds.SigningKeyCreated, LogLevel.Information, "Signing key {Kid} created as {State}, signing from {ActivatesOn:O}.", EventName = "SigningKeyCreated")]
        public static partial void Created(ILogger logger, string kid, string state, DateTimeOffset activatesOn);

        [LoggerMessage(EventIds.SigningKeyPromoted, LogLevel.Information, "Signing key {Kid} is now current.", EventName = "SigningKeyPromoted")]
        public static partial void Promoted(ILogger logger, string kid);

        [LoggerMessage(EventIds.SigningKeyRetired, LogLevel.Information, "Signing key {Kid} retired and removed from the JWKS.", EventName = "SigningKeyRetired")]
        public static partial void Retired(ILogger logger, string kid);

        [LoggerMessage(EventIds.SigningKeysLeaseHeld, LogLevel.Debug, "Signing keys: another instance holds the lease and runs this step; nothing changed here.", EventName = "SigningKeysLeaseHeld")]
        public static partial void LeaseHeld(ILogger logger);

        [LoggerMessage(EventIds.SigningKeyRotatedNow, LogLevel.Warning, "Signing keys rotated now; new current key {Kid} (old key compromised: {Compromised}).", EventName = "SigningKeyRotatedNow")]
        public static partial void RotatedNow(ILogger logger, string kid, bool compromised);
    }
}

/// <param name="CurrentSince">When the current key started signing.</param>
/// <param name="NextStepAt">When the next step is due: a next key published, promoted, or a previous key retired.</param>
public sealed record SigningKeySchedule(DateTimeOffset CurrentSince, DateTimeOffset NextStepAt);
