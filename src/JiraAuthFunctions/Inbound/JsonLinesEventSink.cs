using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The local event sink: one append-only JSON-lines file per UTC day under the data folder
/// (<c>events-2026-11-24.jsonl</c>), so a person can read what came in. An append completes only
/// after its line is flushed to disk (fsync), so a 202 survives a kill. Flushes are grouped:
/// lines that arrive while one flush runs share the next one, so durability costs one fsync per
/// batch rather than per event (group commit).
/// </summary>
public sealed class JsonLinesEventSink : IEventSink, IAsyncDisposable
{
    private const int MaxBatch = 1024;

    private readonly string _folder;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<PendingLine> _pending = Channel.CreateUnbounded<PendingLine>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private FileStream? _file;
    private string? _fileName;

    private readonly Func<string, FileStream> _openFile;

    public JsonLinesEventSink(string folder, TimeProvider timeProvider)
        : this(folder, timeProvider, OpenEventFile)
    {
    }

    /// <param name="openFile">Opens the event file at a path (tests put a failing disk behind it).</param>
    internal JsonLinesEventSink(string folder, TimeProvider timeProvider, Func<string, FileStream> openFile)
    {
        _folder = Path.GetFullPath(folder);
        _timeProvider = timeProvider;
        _openFile = openFile;
        _writer = Task.Run(WriteLoopAsync);
    }

    internal static FileStream OpenEventFile(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);

    public string Folder => _folder;

    /// <summary>The file lines go to on the given day.</summary>
    public string FileFor(DateTimeOffset day) => Path.Combine(_folder, $"events-{day.UtcDateTime:yyyy-MM-dd}.jsonl");

    public async ValueTask AppendAsync(AcceptedEvent acceptedEvent, CancellationToken cancellationToken = default)
    {
        // Serialized on the caller's thread: the writer loop only writes and flushes.
        var line = new PendingLine(Serialize(acceptedEvent));
        if (!_pending.Writer.TryWrite(line))
        {
            throw new EventSinkUnavailableException("The event sink is shut down.");
        }

        // Not cancelled with the request: once queued, the line is written either way, and the
        // caller must learn the outcome to answer truthfully.
        await line.Durable.Task.ConfigureAwait(false);
    }

    private static byte[] Serialize(AcceptedEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        EventRecord.Write(buffer, e);
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<PendingLine>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var line))
            {
                batch.Add(line);
            }

            try
            {
                var file = OpenForToday();
                foreach (var line in batch)
                {
                    file.Write(line.Bytes);
                }

                file.Flush(flushToDisk: true);
                foreach (var line in batch)
                {
                    line.Durable.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                CloseFile();
                var failure = new EventSinkUnavailableException($"Writing to the event file failed ({ex.GetType().Name}).", ex);
                foreach (var line in batch)
                {
                    line.Durable.TrySetException(failure);
                }
            }

            batch.Clear();
        }

        CloseFile();
    }

    private FileStream OpenForToday()
    {
        var name = FileFor(_timeProvider.GetUtcNow());
        if (_file is not null && _fileName == name)
        {
            return _file;
        }

        CloseFile();
        Directory.CreateDirectory(_folder);
        _file = _openFile(name);
        _fileName = name;
        return _file;
    }

    private void CloseFile()
    {
        _file?.Dispose();
        _file = null;
        _fileName = null;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private sealed class PendingLine(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;
        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
