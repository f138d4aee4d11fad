using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Core.Tests.Signing;

/// <summary>The signing-key life cycle, run the way the credentials job runs it (every 5 minutes), on a fake clock.</summary>
public sealed class SigningKeyRotatorTests : IDisposable
{
    // The job runs every 5 minutes; the long simulations step by 20 minutes to stay fast (bounds below allow for it).
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(20);
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private readonly SigningKeyRing _ring;
    private readonly SigningKeyRotator _rotator;
    private readonly ProcessLeaseProvider _leases = new(); // one lease service for every instance, as the blob lease is
    private readonly SigningKeyOptions _options = new()
    {
        KeyLifetime = TimeSpan.FromDays(30),
        PublicationInterval = TimeSpan.FromDays(1),
        MaxTokenLifetime = TimeSpan.FromHours(1),
        ClockSkew = TimeSpan.FromMinutes(5),
    };

    public SigningKeyRotatorTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
        _ring = new SigningKeyRing(_store, Options.Create(_options), _time);
        _rotator = new SigningKeyRotator(_ring, _store, _leases, _time, NullLogger<SigningKeyRotator>.Instance);
    }

    public void Dispose() => _folder.Dispose();

    private async Task<Dictionary<SigningKeyState, string>> StatesAsync() =>
        (await _ring.LoadAsync()).ToDictionary(k => k.State, k => k.Kid);

    /// <summary>Runs the job every <see cref="Step"/> for the given time, recording what the JWKS held and who signed at each step.</summary>
    private async Task<List<(DateTimeOffset At, string? Signer, HashSet<string> Published)>> RunForAsync(TimeSpan duration)
    {
        var history = new List<(DateTimeOffset, string?, HashSet<string>)>();
        for (var elapsed = TimeSpan.Zero; elapsed <= duration; elapsed += Step)
        {
            await _rotator.RunAsync();
            _ring.Invalidate();
            var published = (await _ring.GetPublishedAsync()).Select(k => k.Kid).ToHashSet();
            history.Add((_time.GetUtcNow(), (await _ring.GetCurrentAsync())?.Kid, published));
            _time.Advance(Step);
        }

        return history;
    }

    [Fact]
    public async Task The_first_run_creates_a_current_key()
    {
        await _rotator.RunAsync();

        var states = await StatesAsync();
        Assert.Equal([SigningKeyState.Current], states.Keys);
    }

    [Fact]
    public async Task Over_three_lifetimes_every_key_is_published_a_full_interval_before_it_signs_and_kept_until_its_tokens_expire()
    {
        var history = await RunForAsync(TimeSpan.FromDays(95));

        var signers = history.Select(h => h.Signer).Distinct().ToList();
        Assert.True(signers.Count >= 4, $"expected at least 4 keys in 95 days, saw {signers.Count}");
        foreach (var signer in signers.Skip(1))
        {
            var firstPublished = history.First(h => h.Published.Contains(signer!)).At;
            var firstSigned = history.First(h => h.Signer == signer).At;
            Assert.True(firstSigned - firstPublished >= _options.PublicationInterval, $"{signer} signed {firstSigned - firstPublished} after publication");
        }

        foreach (var signer in signers.SkipLast(1))
        {
            var lastSigned = history.Last(h => h.Signer == signer).At;
            var lastPublished = history.Last(h => h.Published.Contains(signer!)).At;
            Assert.True(lastPublished - lastSigned >= _options.MaxTokenLifetime, $"{signer} left the JWKS {lastPublished - lastSigned} after its last signature");
            Assert.True(lastPublished - lastSigned < _options.MaxTokenLifetime + _options.ClockSkew + Step + Step, "a retired key lingers");
        }

        Assert.All(history, h => Assert.True(h.Published.Count <= 3));
        Assert.All(history, h => Assert.Contains(h.Signer!, h.Published));
    }

    [Fact]
    public async Task Retired_keys_are_disabled_in_the_store()
    {
        await RunForAsync(TimeSpan.FromDays(35));

        var versions = await _store.GetPropertiesOfSecretVersionsAsync(_options.SecretName);

        var retired = Assert.Single(versions, v => v.Tags["state"] == "retired");
        Assert.False(retired.Enabled);
    }

    [Fact]
    public async Task Rotate_now_signs_with_a_new_key_at_once_and_keeps_the_old_one_until_its_tokens_expire()
    {
        await _rotator.RunAsync();
        var old = (await _ring.GetCurrentAsync())!.Kid;

        await _rotator.RotateNowAsync(compromised: false);

        var states = await StatesAsync();
        Assert.NotEqual(old, states[SigningKeyState.Current]);
        Assert.Equal(old, states[SigningKeyState.Previous]);
    }

    [Fact]
    public async Task Rotate_now_for_a_compromised_key_removes_it_from_the_published_set_at_once()
    {
        await _rotator.RunAsync();
        var old = (await _ring.GetCurrentAsync())!.Kid;

        await _rotator.RotateNowAsync(compromised: true);

        var published = (await _ring.GetPublishedAsync()).Select(k => k.Kid).ToList();
        Assert.DoesNotContain(old, published);
        Assert.Single(published);
    }

    [Fact]
    public async Task Disabling_the_current_version_in_the_store_is_the_incident_procedure()
    {
        await _rotator.RunAsync();
        var compromised = (await _ring.GetCurrentAsync())!;
        await _store.UpdateSecretPropertiesAsync(compromised.Properties with { Enabled = false });

        await _rotator.RunAsync();

        _ring.Invalidate();
        var published = (await _ring.GetPublishedAsync()).Select(k => k.Kid).ToList();
        Assert.DoesNotContain(compromised.Kid, published);
        Assert.NotEqual(compromised.Kid, (await _ring.GetCurrentAsync())!.Kid);
    }

    [Fact]
    public async Task The_public_jwk_has_no_private_part()
    {
        await _rotator.RunAsync();

        var jwk = (await _ring.GetCurrentAsync())!.PublicJwk();

        Assert.Equal(["kty", "crv", "x", "y", "kid", "use", "alg"], jwk.Keys);
        Assert.DoesNotContain("d", jwk.Keys);
    }

    [Fact]
    public async Task Four_instances_running_at_once_leave_exactly_one_current_key()
    {
        // Four app instances: each its own ring, rotator and store client on one shared store, whose calls take a moment (as Key Vault's do).
        var rotators = Enumerable.Range(0, 4).Select(_ =>
        {
            var store = new RemoteStore(_store);
            return new SigningKeyRotator(new SigningKeyRing(store, Options.Create(_options), _time), store, _leases, _time, NullLogger<SigningKeyRotator>.Instance);
        }).ToList();

        for (var run = 0; run < 3; run++)
        {
            await Task.WhenAll(rotators.Select(r => Task.Run(() => r.RunAsync())));
            var keys = await _ring.LoadAsync();
            Assert.Single(keys, k => k.State == SigningKeyState.Current);
            Assert.True(keys.Count(k => k.State == SigningKeyState.Next) <= 1);
            _time.Advance(TimeSpan.FromDays(29.5)); // the next run publishes a next key, the one after promotes it
        }
    }

    [Fact]
    public async Task A_run_that_finds_the_lease_held_elsewhere_changes_nothing()
    {
        await using var other = await _leases.TryAcquireAsync(SigningKeyRotator.LeaseName, TimeSpan.FromMinutes(1));

        await _rotator.RunAsync();

        Assert.Empty(await _ring.LoadAsync());
    }

    /// <summary>A store across a network: every call takes a few milliseconds, so simultaneous callers interleave.</summary>
    private sealed class RemoteStore(ISecretStore inner) : ISecretStore
    {
        private static Task LatencyAsync() => Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);

        public async Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default)
        {
            await LatencyAsync();
            return await inner.GetSecretAsync(name, version, cancellationToken);
        }

        public async Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default)
        {
            await LatencyAsync();
            return await inner.GetPropertiesOfSecretVersionsAsync(name, cancellationToken);
        }

        public async Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default)
        {
            await LatencyAsync();
            return await inner.SetSecretAsync(name, value, attributes, cancellationToken);
        }

        public async Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default)
        {
            await LatencyAsync();
            return await inner.UpdateSecretPropertiesAsync(properties, cancellationToken);
        }
    }
}
