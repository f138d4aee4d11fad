using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Core.Tests.Secrets;

public sealed class FileSecretStoreTests : IDisposable
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;

    public FileSecretStoreTests()
    {
        _store = new FileSecretStore(_folder.File("data/secrets.json"), _time);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Empty_store_has_no_secret()
    {
        Assert.Null(await _store.GetSecretAsync("inbound-demo"));
        Assert.Empty(await _store.GetPropertiesOfSecretVersionsAsync("inbound-demo"));
        Assert.False(File.Exists(_store.FilePath));
    }

    [Fact]
    public async Task Set_then_get_latest_and_by_version()
    {
        var first = await _store.SetSecretAsync("inbound-demo", "value-one");
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await _store.SetSecretAsync("inbound-demo", "value-two", new SecretAttributes { ContentType = "text/plain", Tags = new Dictionary<string, string> { ["owner"] = "ops" } });

        var latest = await _store.GetSecretAsync("inbound-demo");
        var byFirst = await _store.GetSecretAsync("inbound-demo", first.Version);
        var bySecond = await _store.GetSecretAsync("inbound-demo", second.Version);

        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal("value-two", latest!.Value);
        Assert.Equal(second.Version, latest.Properties.Version);
        Assert.Equal("value-one", byFirst!.Value);
        Assert.Equal(Clock.Start, byFirst.Properties.CreatedOn);
        Assert.Equal("value-two", bySecond!.Value);
        Assert.Equal(Clock.Start + TimeSpan.FromMinutes(1), bySecond.Properties.CreatedOn);
        Assert.Equal("text/plain", bySecond.Properties.ContentType);
        Assert.Equal("ops", bySecond.Properties.Tags["owner"]);
        Assert.Equal("inbound-demo", bySecond.Properties.Name);
        Assert.Null(await _store.GetSecretAsync("inbound-demo", "no-such-version"));
        Assert.Null(await _store.GetSecretAsync("inbound-other"));
    }

    [Fact]
    public async Task Secrets_are_kept_apart_by_name_and_survive_a_new_instance()
    {
        await _store.SetSecretAsync("inbound-a", "value-a");
        await _store.SetSecretAsync("inbound-b", "value-b");

        var reopened = new FileSecretStore(_store.FilePath, _time);

        Assert.Equal("value-a", (await reopened.GetSecretAsync("inbound-a"))!.Value);
        Assert.Equal("value-b", (await reopened.GetSecretAsync("inbound-b"))!.Value);
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_without_values()
    {
        var versions = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            versions.Add((await _store.SetSecretAsync("inbound-demo", $"value-{i}")).Version);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        var listed = await _store.GetPropertiesOfSecretVersionsAsync("inbound-demo");

        Assert.Equal(Enumerable.Reverse(versions), listed.Select(p => p.Version));
        Assert.Equal(listed.Select(p => p.CreatedOn).OrderByDescending(c => c), listed.Select(p => p.CreatedOn));
        Assert.All(listed, p => Assert.DoesNotContain("value-", p.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attributes_given_at_creation_are_kept()
    {
        var notBefore = Clock.Start + TimeSpan.FromHours(1);
        var expires = Clock.Start + TimeSpan.FromDays(90);

        var created = await _store.SetSecretAsync("inbound-demo", "value", new SecretAttributes { Enabled = false, NotBefore = notBefore, ExpiresOn = expires });
        var read = (await _store.GetPropertiesOfSecretVersionsAsync("inbound-demo")).Single();

        Assert.Equal(created, read with { Tags = created.Tags });
        Assert.False(read.Enabled);
        Assert.Equal(notBefore, read.NotBefore);
        Assert.Equal(expires, read.ExpiresOn);
        Assert.False(read.IsUsableAt(Clock.Start + TimeSpan.FromHours(2)));
    }

    [Fact]
    public async Task Update_changes_properties_but_never_the_value()
    {
        var first = await _store.SetSecretAsync("inbound-demo", "value-one");
        var second = await _store.SetSecretAsync("inbound-demo", "value-two");
        var expires = Clock.Start + TimeSpan.FromDays(1);

        var updated = await _store.UpdateSecretPropertiesAsync(first with
        {
            Enabled = false,
            ExpiresOn = expires,
            Tags = new Dictionary<string, string> { ["rotated"] = "yes" },
        });

        var listed = await _store.GetPropertiesOfSecretVersionsAsync("inbound-demo");
        var firstNow = listed.Single(p => p.Version == first.Version);
        Assert.False(updated.Enabled);
        Assert.False(firstNow.Enabled);
        Assert.Equal(expires, firstNow.ExpiresOn);
        Assert.Equal("yes", firstNow.Tags["rotated"]);
        Assert.Equal(first.CreatedOn, firstNow.CreatedOn);
        Assert.Equal("value-one", (await _store.GetSecretAsync("inbound-demo", first.Version))!.Value);
        Assert.True(listed.Single(p => p.Version == second.Version).Enabled);
        Assert.Equal(second.Version, listed[0].Version);
    }

    [Fact]
    public async Task Updating_an_unknown_version_throws()
    {
        await _store.SetSecretAsync("inbound-demo", "value");

        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.UpdateSecretPropertiesAsync(new SecretProperties { Name = "inbound-demo", Version = "nope" }));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.UpdateSecretPropertiesAsync(new SecretProperties { Name = "inbound-none", Version = "nope" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("inbound_demo")]
    [InlineData("inbound demo")]
    [InlineData("../etc/passwd")]
    public async Task Invalid_names_are_refused(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SetSecretAsync(name, "value"));
        Assert.False(File.Exists(_store.FilePath));
    }

    [Fact]
    public async Task Value_never_appears_in_ToString()
    {
        const string Value = "super-secret-value-0123456789";
        await _store.SetSecretAsync("inbound-demo", Value);

        var secret = (await _store.GetSecretAsync("inbound-demo"))!;

        Assert.Equal(Value, secret.Value);
        Assert.DoesNotContain(Value, secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Value, $"{secret}", StringComparison.Ordinal);
        Assert.DoesNotContain(Value, secret.Properties.ToString(), StringComparison.Ordinal);
        Assert.Contains(secret.Properties.Version, secret.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_is_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        await _store.SetSecretAsync("inbound-demo", "value");
        await _store.SetSecretAsync("inbound-demo", "value-2");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.FilePath));
    }

    [Fact]
    public async Task File_made_world_readable_is_replaced_by_an_owner_only_one_on_the_next_write()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        await _store.SetSecretAsync("inbound-demo", "value");
        File.SetUnixFileMode(_store.FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await _store.SetSecretAsync("inbound-demo", "value-2");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.FilePath));
    }

    [Fact]
    public async Task Corrupt_file_reports_unavailable_without_its_content()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_store.FilePath)!);
        await File.WriteAllTextAsync(_store.FilePath, "{\"secrets\": {\"inbound-demo\": [{\"value\": \"leaked-value\"");

        var ex = await Assert.ThrowsAsync<SecretStoreUnavailableException>(() => _store.GetSecretAsync("inbound-demo"));

        Assert.DoesNotContain("leaked-value", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_store.FilePath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_writes_from_two_instances_on_the_same_file_lose_no_version()
    {
        // The system clock here: the cross-process lock waits with Task.Delay on the store's time provider.
        FileSecretStore[] stores = [new(_store.FilePath, TimeProvider.System), new(_store.FilePath, TimeProvider.System)];
        const int Writers = 6;
        const int PerWriter = 15;
        var written = new List<(string Version, string Value)>[Writers];
        var failures = new List<Exception>();
        using var start = new ManualResetEventSlim();

        // Dedicated threads: the file store completes synchronously, so pool tasks would just run one after another.
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            try
            {
                start.Wait();
                written[w] = WriteMany(stores[w % 2], $"w{w}", PerWriter);
            }
            catch (Exception ex)
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        start.Set();
        threads.ForEach(t => t.Join());

        Assert.Empty(failures);
        var all = written.SelectMany(v => v).ToList();
        var listed = await _store.GetPropertiesOfSecretVersionsAsync("inbound-demo");
        Assert.Equal(Writers * PerWriter, all.Select(w => w.Version).Distinct().Count());
        Assert.Equal(all.Select(w => w.Version).Order(), listed.Select(p => p.Version).Order());
        foreach (var (version, value) in all)
        {
            Assert.Equal(value, (await _store.GetSecretAsync("inbound-demo", version))!.Value);
        }

        Assert.False(File.Exists(_store.FilePath + ".lock"));
        Assert.False(File.Exists(_store.FilePath + ".tmp"));
    }

    private static List<(string Version, string Value)> WriteMany(FileSecretStore store, string prefix, int count)
    {
        var versions = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var value = $"{prefix}-{i}";
            versions.Add((store.SetSecretAsync("inbound-demo", value).GetAwaiter().GetResult().Version, value));
        }

        return versions;
    }
}
