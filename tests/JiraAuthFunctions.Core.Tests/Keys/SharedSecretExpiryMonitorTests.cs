using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Keys;

public sealed class SharedSecretExpiryMonitorTests : IDisposable
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private readonly SignalLogger<SharedSecretExpiryMonitor> _log = new();
    private readonly SharedSecretExpiryMonitor _monitor;

    public SharedSecretExpiryMonitorTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
        var integrations = new IntegrationRegistry(new[] { "ci", "ops", "keys" }.Select(Integration));
        _monitor = new SharedSecretExpiryMonitor(integrations, _store, _time, _log);
    }

    public void Dispose() => _folder.Dispose();

    private Integration Integration(string name)
    {
        var options = new IntegrationOptions { Verification = name == "keys" ? VerificationMethod.PublicKeys : VerificationMethod.SharedSecret, Algorithms = ["HS256"] };
        ISigningKeySource keys = name == "keys"
            ? new StaticKeySource([])
            : new SharedSecretKeySource(_store, SecretNames.ForIntegration(name), _time, NullLogger.Instance);
        return new Integration(name, options, keys, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Warns_with_reason_and_days_left_only_for_a_current_secret_expiring_within_the_window()
    {
        var now = _time.GetUtcNow();
        await _store.SetSecretAsync("inbound-ci", "ci-secret-value", new SecretAttributes { ExpiresOn = now + TimeSpan.FromDays(10) });
        await _store.SetSecretAsync("inbound-ops", "ops-secret-value", new SecretAttributes { ExpiresOn = now + TimeSpan.FromDays(60) });

        var expiring = await _monitor.RunAsync();

        Assert.Equal(["ci"], expiring);
        var (_, message) = Assert.Single(_log.Entries, e => e.Id == EventIds.SharedSecretExpiring);
        Assert.Contains("shared_secret_expiring", message, StringComparison.Ordinal);
        Assert.Contains("in 10 days", message, StringComparison.Ordinal);
        Assert.DoesNotContain("ci-secret-value", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_secret_without_expiry_ends_the_warning()
    {
        var now = _time.GetUtcNow();
        await _store.SetSecretAsync("inbound-ci", "old", new SecretAttributes { ExpiresOn = now + TimeSpan.FromDays(3) });
        Assert.Equal(["ci"], await _monitor.RunAsync());
        _time.Advance(TimeSpan.FromMinutes(1));

        await _store.SetSecretAsync("inbound-ci", "new");

        Assert.Empty(await _monitor.RunAsync());
    }
}
