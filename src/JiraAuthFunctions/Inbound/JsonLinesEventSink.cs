using System.Buffers;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The local event sink: one append-only JSON-lines file per UTC day under the data folder
/// (<c>events-2026-11-24.jsonl</c>), so a person can read what came in. An append completes only
/// after its line is flushed to disk (fsync), so a 202 survives a kill. Flushes are grouped:
/// lines that arrive while one flush runs share the next one, so durability costs one fsync per
/// batch rather than per event (group commit).
/// </summary>
/// <remarks>
/// Every line in the file is a whole record: a batch that fails (full disk, I/O error) is cut off
/// again and every waiting append learns it (503), the next batch tries again, so the sink
/// recovers by itself when space returns; a torn line left by a crash is moved aside when the file
/// is opened; a file that vanished under the open handle (its folder deleted) is noticed after the
/// flush and the batch is written again to a new file at the same path.
/// </remarks>
public sealed partial class JsonLinesEventSink : IEventSink, IDependencyHealth, IAsyncDisposable
{
    /// <summary>The name health lists the sink under.</summary>
    public const string HealthName = "sink";

    private const int MaxBatch = 1024;
    private const int ChunkBytes = 64 * 1024;

    // Lines kept for reuse: about the appends in flight at once (more are made and left to the GC).
    private const int SpareLines = 64;

    private readonly string _folder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<string, FileStream> _openFile;
    private readonly Channel<PendingLine> _pending = Channel.CreateUnbounded<PendingLine>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PendingLine?[] _spareLines = new PendingLine?[SpareLines];
    private readonly Task _writer;

    // The writer loop's alone.
    private FileStream? _file;
    private string? _fileName;
    private FileInfo? _fileAtPath; // the path's status, refreshed per batch (one object per file, not per batch)
    private DateOnly _fileDay;
    private long _length;
    private DateTimeOffset? _failingSince;

    // Written by the writer loop, read by health probes: the state changes only when writes start
    // or stop failing; the last success's time (UTC ticks, 0 before the first) with every batch.
    private volatile DependencyState _state = new(HealthName, HealthStatus.Healthy);
    private long _lastSuccessTicks;

    public JsonLinesEventSink(string folder, TimeProvider timeProvider, ILogger<JsonLinesEventSink>? logger = null)
        : this(folder, timeProvider, OpenEventFile, logger)
    {
    }

    /// <param name="openFile">Opens the event file at a path (tests put a failing disk behind it).</param>
    internal JsonLinesEventSink(string folder, TimeProvider timeProvider, Func<string, FileStream> openFile, ILogger? logger = null)
    {
        _folder = Path.GetFullPath(folder);
        _timeProvider = timeProvider;
        _openFile = openFile;
        _logger = logger ?? NullLogger.Instance;
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Folder => _folder;

    /// <summary>The file lines go to on the given day.</summary>
    public string FileFor(DateTimeOffset day) => Path.Combine(_folder, $"events-{day.UtcDateTime:yyyy-MM-dd}.jsonl");

    // Unbuffered: a write that failed leaves nothing behind to be flushed again by Dispose.
    internal static FileStream OpenEventFile(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);

    public ValueTask AppendAsync(AcceptedEvent acceptedEvent, CancellationToken cancellationToken = default)
    {
        // Serialized on the caller's thread: the writer loop only writes and flushes.
        var line = RentLine();
        try
        {
            line.Serialize(acceptedEvent);
        }
        catch
        {
            line.ReturnBuffer();
            ReturnLine(line);
            throw;
        }

        var completion = line.Completion;
        if (!_pending.Writer.TryWrite(line))
        {
            line.ReturnBuffer();
            ReturnLine(line);
            throw new EventSinkUnavailableException("The event sink is shut down.");
        }

        // Not cancelled with the request: once queued, the line is written either way, and the
        // caller must learn the outcome to answer truthfully. The line's own completion, not an
        // async method around it: no state machine, and no thread-pool hop more per event.
        return completion;
    }

    /// <summary>Unhealthy from a failed write until a write succeeds again (<c>write_failed</c>, or <c>folder_missing</c> when the folder cannot be made).</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        var state = _state;
        var lastSuccess = Volatile.Read(ref _lastSuccessTicks);
        return ValueTask.FromResult(lastSuccess == 0 ? state : state with { LastSuccess = new DateTimeOffset(lastSuccess, TimeSpan.Zero) });
    }

    private PendingLine RentLine()
    {
        var spare = _spareLines;
        for (var i = 0; i < spare.Length; i++)
        {
            if (Volatile.Read(ref spare[i]) is { } line && Interlocked.CompareExchange(ref spare[i], null, line) == line)
            {
                return line;
            }
        }

        return new PendingLine(this);
    }

    private void ReturnLine(PendingLine line)
    {
        var spare = _spareLines;
        for (var i = 0; i < spare.Length; i++)
        {
            if (Interlocked.CompareExchange(ref spare[i], line, null) is null)
            {
                return;
            }
        }
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
                WriteDurably(batch);
                Succeeded();
                foreach (var line in batch)
                {
                    line.ReturnBuffer();
                    line.Succeed();
                }
            }
            catch (Exception ex)
            {
                // Whatever went wrong, the loop lives on: an exception escaping it would leave
                // every later append waiting for ever.
                var detail = Failed(ex);
                var failure = new EventSinkUnavailableException($"Writing to the event file failed ({detail}).", ex);
                foreach (var line in batch)
                {
                    line.ReturnBuffer();
                    line.Fail(failure);
                }
            }

            batch.Clear();
        }

        CloseFile();
    }

    private void WriteDurably(List<PendingLine> batch)
    {
        // At most one new file per batch: a folder deleted again and again is a failure, not a loop.
        for (var attempt = 1; ; attempt++)
        {
            var file = OpenForToday();
            var start = _length;
            try
            {
                file.Position = start;
                WriteLines(file, batch);
                file.Flush(flushToDisk: true);
            }
            catch
            {
                // Cut the half-written batch off so the next line starts clean; if even that
                // fails, the next open finds the torn tail and sets it aside.
                TryTruncate(file, start);
                CloseFile();
                throw;
            }

            _length = file.Position;
            if (IsStillAtItsPath(file, _fileAtPath!))
            {
                return;
            }

            // The folder was deleted (or the file replaced) while open: the lines went into a
            // file nobody can see. Never answer 202 for them; write them again where they belong.
            Log.EventFileVanished(_logger, _fileName!);
            CloseFile();
            if (attempt == 2)
            {
                throw new IOException($"The event file {_fileName} vanished again right after it was made.");
            }
        }
    }

    // Few large writes instead of one per line: the file is unbuffered.
    private static void WriteLines(FileStream file, List<PendingLine> batch)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var used = 0;
            foreach (var line in batch)
            {
                var bytes = line.Bytes;
                if (bytes.Length > chunk.Length - used)
                {
                    file.Write(chunk, 0, used);
                    used = 0;
                }

                if (bytes.Length >= chunk.Length)
                {
                    file.Write(bytes);
                    continue;
                }

                bytes.CopyTo(chunk.AsSpan(used));
                used += bytes.Length;
            }

            file.Write(chunk, 0, used);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    // No inode in .NET's API: the path must name a file of the length we wrote and the same
    // modification time as our handle's (nanoseconds on ext4, xfs, tmpfs), which only our file has.
    // The path's FileInfo is the file's own, refreshed (a stat) rather than made again per batch.
    private static bool IsStillAtItsPath(FileStream file, FileInfo atPath)
    {
        atPath.Refresh();
        return atPath.Exists
            && atPath.Length == file.Length
            && atPath.LastWriteTimeUtc == File.GetLastWriteTimeUtc(file.SafeFileHandle);
    }

    private FileStream OpenForToday()
    {
        // The name is built only when the day changes: this runs once per batch.
        var now = _timeProvider.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (_file is not null && _fileDay == day)
        {
            return _file;
        }

        var name = FileFor(now);

        CloseFile();
        Directory.CreateDirectory(_folder);
        var file = _openFile(name);
        try
        {
            _length = SetAsideTornTail(file, name);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _file = file;
        _fileName = name;
        _fileAtPath = new FileInfo(name);
        _fileDay = day;
        return file;
    }

    /// <summary>
    /// A file that does not end in a newline ends in part of a line that was never acknowledged (a
    /// crash mid-write, or a failed write that could not be cut off). The fragment goes to
    /// <c>&lt;file&gt;.torn</c> for a person to look at, and the file is cut back to its last whole line.
    /// </summary>
    /// <returns>The length of the file's whole lines.</returns>
    private long SetAsideTornTail(FileStream file, string name)
    {
        var length = file.Length;
        var end = WholeLinesEnd(file, length);
        if (end == length)
        {
            return length;
        }

        var tornName = name + ".torn";
        using (var torn = new FileStream(tornName, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0))
        {
            file.Position = end;
            file.CopyTo(torn, ChunkBytes);
            torn.Write("\n"u8);
            torn.Flush(flushToDisk: true);
        }

        file.SetLength(end);
        file.Flush(flushToDisk: true);
        Log.TornTailSetAside(_logger, name, length - end, tornName);
        return end;
    }

    /// <summary>The position after the file's last newline (0 when it has none).</summary>
    private static long WholeLinesEnd(FileStream file, long length)
    {
        if (length == 0)
        {
            return 0;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            // The last byte alone first: a file closed cleanly ends in a newline.
            var end = length;
            var size = 1;
            while (end > 0)
            {
                var start = Math.Max(0, end - size);
                var count = (int)(end - start);
                file.Position = start;
                file.ReadExactly(buffer, 0, count);
                var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
                if (newline >= 0)
                {
                    return start + newline + 1;
                }

                end = start;
                size = ChunkBytes;
            }

            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryTruncate(FileStream file, long length)
    {
        try
        {
            file.SetLength(length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Left for the torn-tail check at the next open.
        }
    }

    private void Succeeded()
    {
        var now = _timeProvider.GetUtcNow();
        if (_failingSince is { } since)
        {
            Log.SinkRecovered(_logger, _fileName!, now - since);
            _failingSince = null;
        }

        // A new state only on recovery: per batch, only the time.
        if (_state.Status != HealthStatus.Healthy)
        {
            _state = new DependencyState(HealthName, HealthStatus.Healthy);
        }

        Volatile.Write(ref _lastSuccessTicks, now.UtcTicks);
    }

    private string Failed(Exception ex)
    {
        var detail = Directory.Exists(_folder) ? "write_failed" : "folder_missing";
        if (_failingSince is null)
        {
            // Once per outage: each refused request has its own line (event 230) already.
            _failingSince = _timeProvider.GetUtcNow();
            Log.SinkFailing(_logger, _folder, detail, ex.GetType().Name, ex.Message);
        }

        if (_state.Detail != detail)
        {
            _state = new DependencyState(HealthName, HealthStatus.Unhealthy, detail);
        }

        return detail;
    }

    private void CloseFile()
    {
        try
        {
            // Unbuffered, so there is nothing left to flush that could fail again here.
            _file?.Dispose();
        }
        catch (IOException)
        {
        }

        _file = null;
        _fileName = null;
        _fileAtPath = null;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    /// <summary>
    /// A serialized line and the completion its caller awaits, reused: the caller's await of
    /// <see cref="Completion"/> hands the line back to the sink, so an append allocates nothing of
    /// its own (no task, no buffer object) once the sink has lines to spare.
    /// </summary>
    private sealed class PendingLine(JsonLinesEventSink sink) : IValueTaskSource
    {
        private readonly PooledBufferWriter _buffer = new();

        // Continuations on the thread pool: the writer loop never runs a request's code.
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public ReadOnlySpan<byte> Bytes => _buffer.WrittenSpan;

        /// <summary>Completes once the line's batch is durable (or failed); awaited once.</summary>
        public ValueTask Completion => new(this, _core.Version);

        // Into a pooled buffer the writer loop returns once the line's batch is done: a record's bytes
        // are the largest allocation of a request otherwise (twice: the writer's array and its copy).
        public void Serialize(AcceptedEvent e)
        {
            _buffer.Start(512 + e.Payload.Length);
            EventRecord.Write(_buffer, e);
            _buffer.Write("\n"u8);
        }

        /// <summary>Once the line's batch is written (or failed): nothing reads the bytes after.</summary>
        public void ReturnBuffer() => _buffer.Dispose();

        public void Succeed() => _core.SetResult(true);

        public void Fail(Exception failure) => _core.SetException(failure);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public void GetResult(short token)
        {
            // A stale token (a second await of one completion) must not recycle a line in use.
            if (token != _core.Version)
            {
                throw new InvalidOperationException("The append's completion was already awaited.");
            }

            try
            {
                _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                sink.ReturnLine(this);
            }
        }
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over arrays from the shared pool, holding one only between <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    private sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private byte[]? _array;
        private int _written;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

        public void Start(int initialSize)
        {
            Dispose();
            _array = ArrayPool<byte>.Shared.Rent(initialSize);
            _written = 0;
        }

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

        private byte[] Reserve(int sizeHint)
        {
            var array = _array ?? throw new ObjectDisposedException(nameof(PooledBufferWriter));
            var needed = _written + Math.Max(sizeHint, 1);
            if (needed <= array.Length)
            {
                return array;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, array.Length * 2));
            array.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(array);
            return _array = larger;
        }

        public void Dispose()
        {
            if (_array is { } array)
            {
                _array = null;
                _written = 0;
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.SinkFailing, LogLevel.Error,
            "Event files under {Folder} cannot be written ({Detail}: {ErrorType}, {ErrorMessage}); every event gets 503 until a write succeeds, tried again with each request.",
            EventName = "SinkFailing")]
        public static partial void SinkFailing(ILogger logger, string folder, string detail, string errorType, string errorMessage);

        [LoggerMessage(EventIds.SinkRecovered, LogLevel.Information,
            "Event file {File} is written again after {Outage} of failures.",
            EventName = "SinkRecovered")]
        public static partial void SinkRecovered(ILogger logger, string file, TimeSpan outage);

        [LoggerMessage(EventIds.EventFileVanished, LogLevel.Warning,
            "Event file {File} vanished while open (its folder deleted, or the file replaced); the batch was written again to a new file at that path.",
            EventName = "EventFileVanished")]
        public static partial void EventFileVanished(ILogger logger, string file);

        [LoggerMessage(EventIds.EventFileTornTailSetAside, LogLevel.Warning,
            "Event file {File} ended in {Bytes} bytes of an unfinished line (a crash or a failed write; never acknowledged); moved to {TornFile}.",
            EventName = "EventFileTornTailSetAside")]
        public static partial void TornTailSetAside(ILogger logger, string file, long bytes, string tornFile);
    }
}
