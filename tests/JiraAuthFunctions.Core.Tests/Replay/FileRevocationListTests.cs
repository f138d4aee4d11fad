using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Replay;

/// <summary>The revocation list as the app (reader) and the CLI (writer, another instance on the same file) use it.</summary>
public sealed class FileRevocationListTests : IDisposable
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly SignalLogger<FileRevocationList> _log = new();
    private readonly FileRevocationList _app;
    private readonly FileRevocationList _cli;

    public FileRevocationListTests()
    {
        _app = new FileRevocationList(_folder.File("revocations.json"), _time, _log);
        _cli = new FileRevocationList(_folder.File("revocations.json"), _time, new SignalLogger<FileRevocationList>());
    }

    public void Dispose() => _folder.Dispose();

    private Revocation Entry(string integration, string jti, DateTimeOffset? expiresOn = null) =>
        new() { Integration = integration, JtiHash = JtiHash.Compute(jti), RevokedOn = _time.GetUtcNow(), ExpiresOn = expiresOn, Reason = "leaked" };

    [Fact]
    public async Task Add_list_remove_round_trip()
    {
        await _cli.AddAsync(Entry("ci", "a"));
        await _cli.AddAsync(Entry("ci", "b"));
        await _cli.AddAsync(Entry("ci", "a")); // again: still one entry

        Assert.Equal(2, (await _cli.ListAsync()).Count);
        Assert.True(await _cli.RemoveAsync("ci", JtiHash.Compute("a")));
        Assert.False(await _cli.RemoveAsync("ci", JtiHash.Compute("a")));
        Assert.Equal(JtiHash.Compute("b"), Assert.Single(await _cli.ListAsync()).JtiHash);
    }

    [Fact]
    public async Task The_app_sees_what_the_cli_wrote_within_the_reload_interval()
    {
        Assert.False(_app.IsRevoked("ci", JtiHash.Compute("a")));
        await _cli.AddAsync(Entry("ci", "a"));

        Assert.False(_app.IsRevoked("ci", JtiHash.Compute("a"))); // checked less than a second ago
        _time.Advance(FileRevocationList.ReloadInterval);

        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("a")));
        Assert.False(_app.IsRevoked("other", JtiHash.Compute("a")));
        await _cli.RemoveAsync("ci", JtiHash.Compute("a"));
        _time.Advance(FileRevocationList.ReloadInterval);
        Assert.False(_app.IsRevoked("ci", JtiHash.Compute("a")));
    }

    [Fact]
    public async Task HasEntries_is_true_only_for_integrations_with_revoked_tokens()
    {
        await _cli.AddAsync(Entry("ci", "a"));

        Assert.True(_app.HasEntries("ci"));
        Assert.False(_app.HasEntries("ops"));
    }

    [Fact]
    public async Task Entries_of_expired_tokens_are_pruned_when_the_cli_writes()
    {
        await _cli.AddAsync(Entry("ci", "old", expiresOn: _time.GetUtcNow() + TimeSpan.FromHours(1)));
        _time.Advance(TimeSpan.FromHours(2));

        await _cli.AddAsync(Entry("ci", "new"));

        Assert.Equal(JtiHash.Compute("new"), Assert.Single(await _cli.ListAsync()).JtiHash);
    }

    [Fact]
    public async Task A_corrupt_file_keeps_the_previous_list_in_force_and_says_so()
    {
        await _cli.AddAsync(Entry("ci", "a"));
        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("a")));

        await File.WriteAllTextAsync(_folder.File("revocations.json"), "[{ this is not json");
        File.SetLastWriteTimeUtc(_folder.File("revocations.json"), DateTime.UnixEpoch.AddYears(60));
        _time.Advance(FileRevocationList.ReloadInterval);

        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("a")));
        Assert.Equal(1, _log.Count(EventIds.RevocationsReloadFailed));
    }

    [Fact]
    public async Task A_file_that_disappears_while_running_keeps_the_previous_list_in_force_and_says_so()
    {
        await _cli.AddAsync(Entry("ci", "a"));
        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("a")));

        File.Delete(_folder.File("revocations.json"));
        _time.Advance(FileRevocationList.ReloadInterval);

        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("a")));
        Assert.Equal(1, _log.Count(EventIds.RevocationsReloadFailed));
    }

    [Fact]
    public async Task A_corrupt_file_at_start_stops_the_start_with_one_line_naming_the_file()
    {
        await File.WriteAllTextAsync(_folder.File("revocations.json"), "[{ this is not json");

        var error = await Assert.ThrowsAsync<RevocationsUnavailableException>(() => _app.LoadAsync());

        Assert.StartsWith($"Revocation list {_folder.File("revocations.json")} is not valid JSON at line 1, byte 4: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, error.ToString()); // an operator's message: no stack trace
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(1, _log.Count(EventIds.RevocationsUnreadableAtStart));
    }

    [Fact]
    public async Task No_file_at_start_is_an_empty_list_and_healthy()
    {
        await _app.LoadAsync();

        Assert.False(_app.IsRevoked("ci", JtiHash.Compute("a")));
        var health = await _app.CheckAsync();
        Assert.Equal((RevocationHealth.Name, HealthStatus.Healthy, _time.GetUtcNow()), (health.Name, health.Status, health.LastSuccess));
    }

    [Fact]
    public async Task A_vanished_file_is_unhealthy_with_the_last_success_until_it_is_restored()
    {
        await _cli.AddAsync(Entry("ci", "a"));
        await _app.LoadAsync();
        var loadedAt = _time.GetUtcNow();
        File.Delete(_folder.File("revocations.json"));
        _time.Advance(FileRevocationList.ReloadInterval);

        var health = await _app.CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("has gone", health.Detail, StringComparison.Ordinal);
        Assert.Equal(loadedAt, health.LastSuccess);

        _time.Advance(FileRevocationList.ReloadInterval);
        Assert.Equal(1, _log.Count(EventIds.RevocationsReloadFailed)); // said once, not every second
        await _cli.AddAsync(Entry("ci", "b"));
        _time.Advance(FileRevocationList.ReloadInterval);

        Assert.Equal(HealthStatus.Healthy, (await _app.CheckAsync()).Status);
        Assert.False(_app.IsRevoked("ci", JtiHash.Compute("a"))); // the restored file is the list now
        Assert.True(_app.IsRevoked("ci", JtiHash.Compute("b")));
    }

    [Fact]
    public async Task The_cli_gets_one_line_for_a_corrupt_file_and_the_file_is_left_as_it_was()
    {
        await File.WriteAllTextAsync(_folder.File("revocations.json"), "{}");

        var error = await Assert.ThrowsAsync<RevocationsUnavailableException>(() => _cli.AddAsync(Entry("ci", "a")));

        Assert.Contains("is not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal("{}", await File.ReadAllTextAsync(_folder.File("revocations.json")));
    }
}
