using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Leases;
using JiraAuthFunctions.OAuth;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>OAuth renewal against a local token endpoint that rotates refresh tokens as Atlassian documents.</summary>
public sealed class JiraTokenRenewerTests : IAsyncLifetime
{
    private const string Connection = "cloud";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jiraauth-renewer", Guid.NewGuid().ToString("N"));
    private readonly LogCapture _logs = new();
    private readonly ProcessLeaseProvider _leases = new(); // one lease service for every "instance", as blob leases are
    private FakeAtlassianTokenEndpoint _endpoint = null!;
    private JiraOptions _options = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await FakeAtlassianTokenEndpoint.StartAsync(_time);
        _options = new JiraOptions();
        _options.Connections[Connection] = new JiraConnectionOptions { ClientId = _endpoint.ClientId, TokenEndpoint = _endpoint.Uri };
        var store = Store();
        await store.SetSecretAsync(JiraSecretNames.ClientSecret(Connection), _endpoint.ClientSecret);
        await store.SetSecretAsync(JiraSecretNames.RefreshToken(Connection), _endpoint.CurrentRefreshToken);
        await store.SetSecretAsync(JiraSecretNames.AccessToken(Connection), "at-initial", new SecretAttributes { ExpiresOn = _time.GetUtcNow() + TimeSpan.FromMinutes(60) });
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Each instance has its own store object on the same file, as instances share one Key Vault.</summary>
    private FileSecretStore Store() => new(Path.Combine(_folder, "secrets.json"), _time);

    private JiraTokenRenewer Renewer(ISecretStore? store = null, AtlassianTokenClient? client = null) =>
        new(Options.Create(_options), store ?? Store(), _leases, client ?? new AtlassianTokenClient(new HttpClient()), _time, new Logger(_logs.CreateLogger("renewer")));

    [Fact]
    public async Task Eight_concurrent_renewers_refresh_exactly_once_per_period_and_never_hit_invalid_grant()
    {
        var renewers = Enumerable.Range(0, 8).Select(_ => Renewer()).ToList();

        for (var period = 1; period <= 12; period++)
        {
            _time.Advance(TimeSpan.FromMinutes(50)); // the access token now has 10 of its 60 minutes left
            await Task.WhenAll(renewers.Select(r => r.RunAsync()));
            await Task.WhenAll(renewers.Select(r => r.RunAsync())); // a second tick in the same period does nothing

            Assert.Equal(period, _endpoint.Refreshes);
        }

        Assert.Equal(0, _endpoint.InvalidGrants);
        var stored = await Store().GetSecretAsync(JiraSecretNames.RefreshToken(Connection));
        Assert.Equal(_endpoint.CurrentRefreshToken, stored!.Value);
    }

    [Fact]
    public async Task The_new_refresh_token_is_stored_before_the_access_token()
    {
        var order = new List<string>();
        var store = new RecordingStore(Store(), order);

        Assert.True(await Renewer(store).RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));

        Assert.Equal([JiraSecretNames.RefreshToken(Connection), JiraSecretNames.AccessToken(Connection)], order);
    }

    [Fact]
    public async Task A_crash_between_the_answer_and_the_store_write_loses_nothing_when_the_next_run_is_within_the_leeway()
    {
        // The endpoint rotated (its answer was lost with the crash); the store still holds the previous refresh token.
        var crashed = new CrashingStore(Store());
        await Assert.ThrowsAsync<IOException>(() => Renewer(crashed).RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));
        Assert.Equal(1, _endpoint.Refreshes);

        _time.Advance(TimeSpan.FromMinutes(5)); // the next timer tick
        var renewer = Renewer();

        Assert.True(await renewer.RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));
        Assert.Equal(0, _endpoint.InvalidGrants);
        Assert.Equal("ok", (await renewer.States.GetAsync(Connection)).State);
    }

    [Fact]
    public async Task A_crash_discovered_after_the_leeway_stops_the_connection_loudly()
    {
        var crashed = new CrashingStore(Store());
        await Assert.ThrowsAsync<IOException>(() => Renewer(crashed).RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));

        _time.Advance(FakeAtlassianTokenEndpoint.Leeway + TimeSpan.FromMinutes(1));
        var renewer = Renewer();
        Assert.False(await renewer.RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));

        Assert.Equal(JiraTokenRenewer.ReauthorizationRequired, (await renewer.States.GetAsync(Connection)).State);
        var entry = Assert.Single(_logs.WithEventId(EventIds.JiraReauthorizationRequired));
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal(1, _endpoint.InvalidGrants); // one call, no retry loop
    }

    [Fact]
    public async Task Throttling_is_retried_after_retry_after_within_the_budget()
    {
        _endpoint.QueueThrottle(2);
        var system = new JiraTokenRenewer(Options.Create(_options), Store(), _leases, new AtlassianTokenClient(new HttpClient()), TimeProvider.System, new Logger(_logs.CreateLogger("renewer")));

        Assert.True(await system.RenewIfDueAsync(Connection, _options.Connections[Connection], force: true));

        Assert.Equal(2, _endpoint.Throttled);
        Assert.Equal(1, _endpoint.Refreshes);
    }

    [Fact]
    public async Task No_token_or_secret_reaches_the_log()
    {
        await Renewer().RenewIfDueAsync(Connection, _options.Connections[Connection], force: true);

        var text = _logs.AllText();
        Assert.DoesNotContain(_endpoint.ClientSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-", text, StringComparison.Ordinal);
        Assert.DoesNotContain("at-", text, StringComparison.Ordinal);
    }

    private sealed class Logger(ILogger inner) : ILogger<JiraTokenRenewer>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    /// <summary>Records the order of writes.</summary>
    private sealed class RecordingStore(ISecretStore inner, List<string> order) : ISecretStore
    {
        public Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default) => inner.GetSecretAsync(name, version, cancellationToken);
        public Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesOfSecretVersionsAsync(name, cancellationToken);
        public Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default) => inner.UpdateSecretPropertiesAsync(properties, cancellationToken);

        public Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return inner.SetSecretAsync(name, value, attributes, cancellationToken);
        }
    }

    /// <summary>The process dies on the first write: the token endpoint has answered, nothing was stored.</summary>
    private sealed class CrashingStore(ISecretStore inner) : ISecretStore
    {
        public Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default) => inner.GetSecretAsync(name, version, cancellationToken);
        public Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesOfSecretVersionsAsync(name, cancellationToken);
        public Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default) => inner.UpdateSecretPropertiesAsync(properties, cancellationToken);
        public Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default) => throw new IOException("process killed");
    }
}
