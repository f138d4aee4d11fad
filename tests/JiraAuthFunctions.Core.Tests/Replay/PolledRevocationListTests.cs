using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Replay;

/// <summary>The revocation list every instance reads from a shared store: read at start, polled, held through an outage.</summary>
public sealed class PolledRevocationListTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly SignalLogger<PolledRevocationList> _log = new();
    private readonly FakeStore _store = new();
    private readonly PolledRevocationList _list;

    public PolledRevocationListTests() => _list = new PolledRevocationList(_store, "table replay (account test)", Interval, _time, _log);

    private static Revocation Entry(string integration, string jti) => new() { Integration = integration, JtiHash = JtiHash.Compute(jti) };

    [Fact]
    public void Until_a_list_was_read_every_token_counts_as_revoked()
    {
        Assert.True(_list.HasEntries("ci"));
        Assert.True(_list.IsRevoked("ci", JtiHash.Compute("any")));
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_at_start_stops_the_start_in_one_line()
    {
        _store.Failure = new RevocationsUnavailableException("Revocation table replay (account test) could not be read (status 403, code AuthorizationPermissionMismatch).");

        var error = await Assert.ThrowsAsync<RevocationsUnavailableException>(() => _list.LoadAsync());

        Assert.Equal("Revocation table replay (account test) could not be read (status 403, code AuthorizationPermissionMismatch). The app does not start without its revocations.", error.ToString());
        Assert.Equal(1, _log.Count(EventIds.RevocationsUnreadableAtStart));
    }

    [Fact]
    public async Task A_failed_poll_keeps_the_last_list_reports_unhealthy_and_recovers()
    {
        _store.Entries = [Entry("ci", "leaked")];
        await _list.LoadAsync();
        var readAt = _time.GetUtcNow();
        Assert.True(_list.IsRevoked("ci", JtiHash.Compute("leaked")));
        Assert.False(_list.HasEntries("ops"));

        _time.Advance(Interval);
        _store.Failure = new RevocationsUnavailableException("Revocation table replay (account test) could not be read (no answer: HttpRequestException).");
        Assert.False(await _list.RefreshAsync());

        Assert.True(_list.IsRevoked("ci", JtiHash.Compute("leaked")));
        var health = await _list.CheckAsync();
        Assert.Equal((RevocationHealth.Name, HealthStatus.Unhealthy, readAt), (health.Name, health.Status, health.LastSuccess));
        Assert.Contains("no answer", health.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _log.Count(EventIds.RevocationStoreUnavailable));

        _store.Failure = null;
        _store.Entries = [];
        Assert.True(await _list.RefreshAsync());
        Assert.False(_list.IsRevoked("ci", JtiHash.Compute("leaked")));
        Assert.Equal(HealthStatus.Healthy, (await _list.CheckAsync()).Status);
        Assert.Equal(2, _log.Count(EventIds.RevocationsReloaded)); // the first read, then back after the failure
    }

    [Fact]
    public async Task An_unexpected_failure_of_a_poll_is_held_like_an_outage()
    {
        _store.Entries = [Entry("ci", "leaked")];
        await _list.LoadAsync();
        _store.Failure = new InvalidOperationException("a bug");

        Assert.False(await _list.RefreshAsync());

        Assert.True(_list.IsRevoked("ci", JtiHash.Compute("leaked")));
        Assert.Equal(HealthStatus.Unhealthy, (await _list.CheckAsync()).Status);
    }

    [Fact]
    public async Task The_store_is_read_again_every_poll_interval()
    {
        await _list.LoadAsync();
        using var stop = new CancellationTokenSource();
        var polling = _list.KeepCurrentAsync(stop.Token);
        _store.Entries = [Entry("ci", "leaked")];

        _time.Advance(Interval);

        Assert.True(await _log.WaitForAsync(EventIds.RevocationsReloaded, 2, TimeSpan.FromSeconds(30)));
        Assert.True(_list.IsRevoked("ci", JtiHash.Compute("leaked")));
        Assert.Equal(2, _store.Reads);
        await stop.CancelAsync();
        await polling;
    }

    private sealed class FakeStore : IRevocationStore
    {
        private int _reads;

        public IReadOnlyList<Revocation> Entries { get; set; } = [];
        public Exception? Failure { get; set; }
        public int Reads => Volatile.Read(ref _reads);

        public Task<IReadOnlyList<Revocation>> ListAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return Failure is { } failure ? Task.FromException<IReadOnlyList<Revocation>>(failure) : Task.FromResult(Entries);
        }

        public Task AddAsync(Revocation revocation, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> RemoveAsync(string integration, string jtiHash, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
