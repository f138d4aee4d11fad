using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// The JSON-lines sink when the disk misbehaves: full (a stream that fails like ENOSPC, leaving half
/// a line behind), a torn line left by a crash, the folder deleted under it. Whatever happens, a
/// waiting append gets an answer, and every line in the file is a whole record.
/// </summary>
public sealed class JsonLinesEventSinkTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
    private readonly Disk _disk = new();
    private readonly LogCapture _logs = new();

    private string Folder => Path.Combine(_root, "events");

    public void Dispose()
    {
        _logs.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_full_disk_answers_every_waiting_append_with_sink_unavailable_and_writes_resume_once_space_returns()
    {
        await using var sink = NewSink();
        await sink.AppendAsync(Event("before")).AsTask().WaitAsync(Patience);

        _disk.Full = true;
        var during = new[] { sink.AppendAsync(Event("full-1")).AsTask(), sink.AppendAsync(Event("full-2")).AsTask() };
        foreach (var append in during)
        {
            await Assert.ThrowsAsync<EventSinkUnavailableException>(() => append.WaitAsync(Patience));
        }

        await Assert.ThrowsAsync<EventSinkUnavailableException>(() => sink.AppendAsync(Event("still-full")).AsTask().WaitAsync(Patience));

        _disk.Full = false;
        await sink.AppendAsync(Event("after")).AsTask().WaitAsync(Patience);

        Assert.Equal(["before", "after"], EventIdsIn(sink.FileFor(_time.GetUtcNow())));
        Assert.Single(_logs.WithEventId(EventIds.SinkFailing)); // once per outage, not per batch
        Assert.Single(_logs.WithEventId(EventIds.SinkRecovered));
    }

    [Fact]
    public async Task Health_is_unhealthy_from_a_failed_write_until_one_succeeds_and_keeps_the_last_success()
    {
        await using var sink = NewSink();
        Assert.Equal(new DependencyState("sink", HealthStatus.Healthy), await sink.CheckAsync());
        await sink.AppendAsync(Event("first")).AsTask().WaitAsync(Patience);
        var firstWrite = _time.GetUtcNow();
        Assert.Equal(new DependencyState("sink", HealthStatus.Healthy, null, firstWrite), await sink.CheckAsync());

        _time.Advance(TimeSpan.FromMinutes(5));
        _disk.Full = true;
        await Assert.ThrowsAsync<EventSinkUnavailableException>(() => sink.AppendAsync(Event("full")).AsTask().WaitAsync(Patience));
        Assert.Equal(new DependencyState("sink", HealthStatus.Unhealthy, "write_failed", firstWrite), await sink.CheckAsync());

        _time.Advance(TimeSpan.FromMinutes(5));
        _disk.Full = false;
        await sink.AppendAsync(Event("again")).AsTask().WaitAsync(Patience);
        Assert.Equal(new DependencyState("sink", HealthStatus.Healthy, null, _time.GetUtcNow()), await sink.CheckAsync());
    }

    [Fact]
    public async Task A_folder_that_cannot_be_made_answers_sink_unavailable_and_health_says_folder_missing()
    {
        Directory.CreateDirectory(_root);
        var notAFolder = Path.Combine(_root, "a-file");
        await File.WriteAllTextAsync(notAFolder, "");
        await using var sink = NewSink(Path.Combine(notAFolder, "events"));

        await Assert.ThrowsAsync<EventSinkUnavailableException>(() => sink.AppendAsync(Event("nowhere")).AsTask().WaitAsync(Patience));

        Assert.Equal(new DependencyState("sink", HealthStatus.Unhealthy, "folder_missing"), await sink.CheckAsync());
    }

    [Fact]
    public async Task A_torn_line_left_by_a_crash_is_moved_aside_at_open_so_the_next_event_starts_a_line_of_its_own()
    {
        Directory.CreateDirectory(Folder);
        var file = Path.Combine(Folder, "events-2026-11-24.jsonl");
        const string Whole = """{"eventId":"whole","event":{}}""" + "\n";
        const string Torn = """{"eventId":"torn","event":{"webhookEvent":"jira:is""";
        await File.WriteAllTextAsync(file, Whole + Torn);

        await using (var sink = NewSink())
        {
            Assert.Equal(file, sink.FileFor(_time.GetUtcNow()));
            await sink.AppendAsync(Event("next")).AsTask().WaitAsync(Patience);
        }

        Assert.Equal(["whole", "next"], EventIdsIn(file));
        var quarantined = Assert.Single(Directory.GetFiles(Folder, "events-2026-11-24.jsonl.torn*"));
        Assert.Equal(Torn, (await File.ReadAllTextAsync(quarantined)).TrimEnd('\n'));
        Assert.Equal(Torn.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(_logs.WithEventId(EventIds.EventFileTornTailSetAside))["Bytes"]);
    }

    [Fact]
    public async Task Events_after_the_folder_was_deleted_land_in_a_new_file_at_the_same_path()
    {
        await using var sink = NewSink();
        await sink.AppendAsync(Event("first")).AsTask().WaitAsync(Patience);

        Directory.Delete(Folder, recursive: true);
        await sink.AppendAsync(Event("second")).AsTask().WaitAsync(Patience);

        Assert.Equal(["second"], EventIdsIn(sink.FileFor(_time.GetUtcNow())));
        Assert.Single(_logs.WithEventId(EventIds.EventFileVanished));
    }

    [Fact]
    public async Task Events_after_the_file_was_moved_away_land_in_a_new_file_at_the_same_path()
    {
        await using var sink = NewSink();
        await sink.AppendAsync(Event("first")).AsTask().WaitAsync(Patience);
        var file = sink.FileFor(_time.GetUtcNow());

        File.Move(file, file + ".moved");
        await sink.AppendAsync(Event("second")).AsTask().WaitAsync(Patience);

        Assert.Equal(["second"], EventIdsIn(file));
        Assert.Single(_logs.WithEventId(EventIds.EventFileVanished));
    }

    /// <summary>
    /// Another file put where the file was, even with the time the sink's file was last written (a
    /// restore that keeps times): the next batch is written to the file the sink holds open, which
    /// moves that file's time, and the path no longer names it.
    /// </summary>
    [Fact]
    public async Task Events_after_the_file_was_replaced_by_another_with_its_write_time_land_in_the_new_file()
    {
        await using var sink = NewSink();
        await sink.AppendAsync(Event("first")).AsTask().WaitAsync(Patience);
        var file = sink.FileFor(_time.GetUtcNow());
        var written = File.GetLastWriteTimeUtc(file);

        File.Move(file, file + ".moved");
        await File.WriteAllTextAsync(file, """{"eventId":"restored","event":{}}""" + "\n");
        File.SetLastWriteTimeUtc(file, written);
        await sink.AppendAsync(Event("second")).AsTask().WaitAsync(Patience);

        Assert.Equal(["restored", "second"], EventIdsIn(file));
        Assert.Single(_logs.WithEventId(EventIds.EventFileVanished));
    }

    [Fact]
    public async Task Many_appends_one_after_another_each_complete_once_with_their_own_outcome()
    {
        // Lines are reused once their caller has its answer: a reused line must not carry an old outcome.
        await using var sink = NewSink();
        for (var i = 0; i < 200; i++)
        {
            _disk.Full = i % 3 == 1;
            var append = sink.AppendAsync(Event($"e-{i}")).AsTask();
            if (_disk.Full)
            {
                await Assert.ThrowsAsync<EventSinkUnavailableException>(() => append.WaitAsync(Patience));
            }
            else
            {
                await append.WaitAsync(Patience);
            }
        }

        _disk.Full = false;
        Assert.Equal(Enumerable.Range(0, 200).Where(i => i % 3 != 1).Select(i => $"e-{i}"), EventIdsIn(sink.FileFor(_time.GetUtcNow())));
    }

    private JsonLinesEventSink NewSink(string? folder = null) =>
        new(folder ?? Folder, _time, path => new FailingDiskFileStream(path, _disk), _logs.CreateLogger(nameof(JsonLinesEventSink)));

    [Fact]
    public async Task Concurrent_appends_each_land_as_one_whole_line_of_their_own_and_a_new_day_starts_a_new_file()
    {
        await using (var sink = new JsonLinesEventSink(Folder, _time))
        {
            // Many appends at once share batches; each line's bytes are its own until its batch is written.
            await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(() => sink.AppendAsync(Event($"e-{i}")).AsTask())))
                .WaitAsync(Patience);
            _time.Advance(TimeSpan.FromDays(1));
            await sink.AppendAsync(Event("next-day")).AsTask().WaitAsync(Patience);
        }

        var first = EventIdsIn(Path.Combine(Folder, "events-2026-11-24.jsonl"));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"e-{i}").Order(), first.Order());
        Assert.Equal(["next-day"], EventIdsIn(Path.Combine(Folder, "events-2026-11-25.jsonl")));
    }

    private static AcceptedEvent Event(string eventId) =>
        new()
        {
            EventId = eventId,
            ReceivedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            Integration = "ci",
            Format = JiraEventFormat.Webhook,
            Caller = CallerInfo.FromToken("kid-1", "jira", "rule-1", "jti-1", "HS256"),
            Payload = """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1"}}"""u8.ToArray(),
        };

    /// <summary>The event ids of the file's lines; fails unless the file ends with a newline and every line is a whole record.</summary>
    private static List<string> EventIdsIn(string file)
    {
        var text = File.ReadAllText(file, Encoding.UTF8);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n')[..^1].Select(line =>
        {
            using var record = JsonDocument.Parse(line);
            return record.RootElement.GetProperty("eventId").GetString()!;
        })];
    }

    internal sealed class Disk
    {
        public volatile bool Full;
    }

    /// <summary>A real file whose writes fail as on a full disk (ENOSPC) while told so, after half the bytes went in.</summary>
    private sealed class FailingDiskFileStream : FileStream
    {
        private readonly Disk _disk;

        public FailingDiskFileStream(string path, Disk disk)
            : base(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0)
        {
            _disk = disk;
            Seek(0, SeekOrigin.End);
        }

        // Span writes of a derived FileStream come back here through Stream's default: one place to fail.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_disk.Full)
            {
                base.Write(buffer, offset, count / 2);
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }

        public override void Flush(bool flushToDisk)
        {
            if (_disk.Full)
            {
                throw new IOException("No space left on device");
            }

            base.Flush(flushToDisk);
        }
    }
}
