using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Core.Tests.Inbound;

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
}
