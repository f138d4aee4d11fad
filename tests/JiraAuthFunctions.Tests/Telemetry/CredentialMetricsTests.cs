using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Signing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tests.Telemetry;

/// <summary>
/// The gauges on-call alerts on: the signing key's age and the seconds until its next step (a
/// stalled rotation shows as an age past the key lifetime), and each shared secret's days to expiry.
/// </summary>
public sealed class CredentialMetricsTests : IDisposable
{
    private const string Age = "jiraauth.signing.current_key.age_seconds";
    private const string NextStep = "jiraauth.signing.seconds_to_next_step";
    private const string DaysToExpiry = "jiraauth.secrets.shared_secret.days_to_expiry";

    private readonly MetricRecorder _recorder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
    private readonly FileSecretStore _store;
    private readonly SigningKeyOptions _signing = new() { KeyLifetime = TimeSpan.FromDays(30), PublicationInterval = TimeSpan.FromDays(1), MaxTokenLifetime = TimeSpan.FromHours(1), ClockSkew = TimeSpan.FromMinutes(5) };

    public CredentialMetricsTests() => _store = new FileSecretStore(Path.Combine(_folder, "secrets.json"), _time);

    public void Dispose()
    {
        _recorder.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Signing_key_age_and_next_step_follow_the_rotation()
    {
        var rotator = new SigningKeyRotator(new SigningKeyRing(_store, Options.Create(_signing), _time), _store, new JiraAuthFunctions.Leases.ProcessLeaseProvider(), _time, NullLogger<SigningKeyRotator>.Instance, _recorder.Metrics);
        Assert.Empty(_recorder.Observe(Age)); // nothing known before the first run

        await rotator.RunAsync(); // the first key signs at once; the next one is due 29 days on
        _time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(TimeSpan.FromDays(10).TotalSeconds, Assert.Single(_recorder.Observe(Age)).Value);
        Assert.Equal(TimeSpan.FromDays(19).TotalSeconds, Assert.Single(_recorder.Observe(NextStep)).Value);

        _time.Advance(TimeSpan.FromDays(19));
        await rotator.RunAsync(); // the next key is published; it signs a day later
        Assert.Equal(TimeSpan.FromDays(1).TotalSeconds, Assert.Single(_recorder.Observe(NextStep)).Value);

        _time.Advance(TimeSpan.FromDays(1));
        await rotator.RunAsync(); // promoted: the old key retires after the longest token and skew
        Assert.Equal(0, Assert.Single(_recorder.Observe(Age)).Value);
        Assert.Equal((_signing.MaxTokenLifetime + _signing.ClockSkew).TotalSeconds, Assert.Single(_recorder.Observe(NextStep)).Value);
    }

    [Fact]
    public async Task A_stalled_rotation_shows_an_age_past_the_key_lifetime_and_an_overdue_step()
    {
        var rotator = new SigningKeyRotator(new SigningKeyRing(_store, Options.Create(_signing), _time), _store, new JiraAuthFunctions.Leases.ProcessLeaseProvider(), _time, NullLogger<SigningKeyRotator>.Instance, _recorder.Metrics);
        await rotator.RunAsync();

        _time.Advance(TimeSpan.FromDays(35)); // the job has not run since

        Assert.True(Assert.Single(_recorder.Observe(Age)).Value > _signing.KeyLifetime.TotalSeconds);
        Assert.True(Assert.Single(_recorder.Observe(NextStep)).Value < 0);
    }

    [Fact]
    public async Task Shared_secrets_report_days_to_expiry_by_integration_and_only_when_they_expire()
    {
        var now = _time.GetUtcNow();
        await _store.SetSecretAsync("inbound-ci", "ci-secret", new SecretAttributes { ExpiresOn = now + TimeSpan.FromDays(10) });
        await _store.SetSecretAsync("inbound-ops", "ops-secret"); // no expiry: no series
        var integrations = new IntegrationRegistry(new[] { "ci", "ops" }.Select(name => new Integration(
            name,
            new IntegrationOptions { Verification = VerificationMethod.SharedSecret, Algorithms = ["HS256"] },
            new SharedSecretKeySource(_store, SecretNames.ForIntegration(name), _time, NullLogger.Instance),
            TimeSpan.FromMinutes(1))));
        var monitor = new SharedSecretExpiryMonitor(integrations, _store, _time, NullLogger<SharedSecretExpiryMonitor>.Instance, _recorder.Metrics);

        await monitor.RunAsync();
        _time.Advance(TimeSpan.FromDays(2.5));

        var measured = Assert.Single(_recorder.Observe(DaysToExpiry));
        Assert.Equal(("ci", 7.5), (measured["integration"], measured.Value));

        _time.Advance(TimeSpan.FromMinutes(1));
        await _store.SetSecretAsync("inbound-ci", "ci-secret-rotated"); // rotated to a version without expiry
        await monitor.RunAsync();
        Assert.Empty(_recorder.Observe(DaysToExpiry));
    }
}
