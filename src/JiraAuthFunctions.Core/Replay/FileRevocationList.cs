using System.Text.Json;
using System.Text.Json.Serialization;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Replay;

/// <summary>
/// The revocation list in a JSON file under the data folder, written by the CLI
/// (<c>revocation add</c>) and read by the app: the embedded default, for one instance. The app keeps
/// the list in memory and looks at the file's timestamp at most once per <see cref="ReloadInterval"/>,
/// so a revocation takes effect within about a second without a restart.
/// It fails closed: a file that cannot be read at start stops the start (<see cref="LoadAsync"/>);
/// one that becomes unreadable or disappears while running (after it held a list) leaves the last good
/// list in force, logs event 221 and reports the list unhealthy. A file that never existed is an
/// empty list: nothing was ever revoked here.
/// </summary>
public sealed partial class FileRevocationList : IRevocationList, IRevocationStore, IDependencyHealth
{
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private RevocationSnapshot? _snapshot; // null until a list was read: then every token counts as revoked
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _nextCheckTimestamp;

    // Guarded by _reloadLock.
    private bool _fileSeen;
    private string? _failure;
    private DateTime _failedWriteTime;
    private DateTimeOffset? _lastSuccess;

    public FileRevocationList(string path, TimeProvider timeProvider, ILogger<FileRevocationList> logger)
    {
        _path = Path.GetFullPath(path);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string FilePath => _path;

    public bool IsRevoked(string integration, string jtiHash)
    {
        ReloadIfChanged();
        return _snapshot?.IsRevoked(integration, jtiHash) ?? true;
    }

    public bool HasEntries(string integration)
    {
        ReloadIfChanged();
        return _snapshot?.HasEntries(integration) ?? true;
    }

    /// <summary>Reads the file before the first request; a file that exists but cannot be read stops the start.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var writeTime = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : DateTime.MinValue;
        List<Revocation> entries;
        try
        {
            entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RevocationsUnavailableException ex)
        {
            var message = $"{ex.Message} The app does not start without its revocations.";
            Log.RevocationsUnreadableAtStart(_logger, message);
            throw new RevocationsUnavailableException(message, ex);
        }

        lock (_reloadLock)
        {
            Loaded(entries, writeTime, fileExists: writeTime != DateTime.MinValue);
        }
    }

    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default)
    {
        ReloadIfChanged();
        lock (_reloadLock)
        {
            return ValueTask.FromResult(_failure is null
                ? new DependencyState(RevocationHealth.Name, HealthStatus.Healthy, $"{_snapshot?.Revoked.Count ?? 0} revoked (file)", _lastSuccess)
                : new DependencyState(RevocationHealth.Name, HealthStatus.Unhealthy, _failure, _lastSuccess));
        }
    }

    /// <summary>Adds an entry (the CLI's <c>revocation add</c>); entries whose token has expired are pruned on the way.</summary>
    public async Task AddAsync(Revocation revocation, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
        entries.RemoveAll(e => (e.ExpiresOn is { } expires && expires <= now) ||
                               (e.Integration == revocation.Integration && e.JtiHash == revocation.JtiHash));
        entries.Add(revocation);
        await WriteAsync(entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes an entry; false if there was none.</summary>
    public async Task<bool> RemoveAsync(string integration, string jtiHash, CancellationToken cancellationToken = default)
    {
        var entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var removed = entries.RemoveAll(e => e.Integration == integration && e.JtiHash == jtiHash) > 0;
        if (removed)
        {
            await WriteAsync(entries, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    public async Task<IReadOnlyList<Revocation>> ListAsync(CancellationToken cancellationToken = default) =>
        await ReadAsync(cancellationToken).ConfigureAwait(false);

    private void ReloadIfChanged()
    {
        var now = _timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref _nextCheckTimestamp))
        {
            return;
        }

        lock (_reloadLock)
        {
            if (now < _nextCheckTimestamp)
            {
                return;
            }

            _nextCheckTimestamp = now + (long)(ReloadInterval.TotalSeconds * _timeProvider.TimestampFrequency);
            var exists = File.Exists(_path);
            var writeTime = exists ? File.GetLastWriteTimeUtc(_path) : DateTime.MinValue;
            if (_failure is null && _snapshot is not null && writeTime == _loadedWriteTime)
            {
                _lastSuccess = _timeProvider.GetUtcNow();
                return; // unchanged since the last good read
            }

            if (_failure is not null && writeTime == _failedWriteTime)
            {
                return; // still the file that failed: said once
            }

            if (!exists && _fileSeen)
            {
                // Read as "nothing revoked", a deleted file would silently bring every revoked token back.
                Failed($"Revocation list {_path} has gone; it held revocations before, so the previous list stays in force. Restore it (an empty list is []).", "missing", writeTime);
                return;
            }

            try
            {
                Loaded(exists ? Parse(File.ReadAllBytes(_path), _path) : [], writeTime, exists);
            }
            catch (IOException ex)
            {
                Failed(CouldNotRead(_path, ex), ex.GetType().Name, writeTime);
            }
            catch (UnauthorizedAccessException ex)
            {
                Failed(CouldNotRead(_path, ex), ex.GetType().Name, writeTime);
            }
            catch (RevocationsUnavailableException ex)
            {
                Failed($"{ex.Message} The previous list stays in force.", ex.InnerException?.GetType().Name ?? "invalid", writeTime);
            }
        }
    }

    private void Loaded(List<Revocation> entries, DateTime writeTime, bool fileExists)
    {
        _snapshot = RevocationSnapshot.From(entries);
        _loadedWriteTime = writeTime;
        _fileSeen |= fileExists;
        _failure = null;
        _lastSuccess = _timeProvider.GetUtcNow();
        Log.RevocationsReloaded(_logger, entries.Count);
    }

    private void Failed(string detail, string errorType, DateTime writeTime)
    {
        _failure = detail;
        _failedWriteTime = writeTime;
        Log.RevocationsReloadFailed(_logger, _path, errorType);
    }

    private async Task<List<Revocation>> ReadAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(_path))
            {
                return [];
            }

            bytes = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RevocationsUnavailableException(CouldNotRead(_path, ex), ex);
        }

        return Parse(bytes, _path);
    }

    /// <summary>The entries of a revocation file, or one line saying why they cannot be had.</summary>
    private static List<Revocation> Parse(byte[] bytes, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, RevocationJsonContext.Default.ListRevocation)
                ?? throw new JsonException("null, where a list of revocations belongs");
        }
        catch (JsonException ex)
        {
            // The parser's own position suffix counts from 0; say it once, counting from 1.
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
            var what = OneLine(ex.Message) is var message && message.IndexOf(" Path: ", StringComparison.Ordinal) is var cut and > 0 ? message[..cut] : message;
            throw new RevocationsUnavailableException(
                $"Revocation list {path} is not valid JSON{where}: {what.TrimEnd('.')}. Fix it or restore it (an empty list is []).", ex);
        }
    }

    private async Task WriteAsync(List<Revocation> entries, CancellationToken cancellationToken)
    {
        var temp = _path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            await using (var stream = File.Create(temp))
            {
                await JsonSerializer.SerializeAsync(stream, entries, RevocationJsonContext.Default.ListRevocation, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RevocationsUnavailableException($"Revocation list {_path} could not be written ({ex.GetType().Name}: {OneLine(ex.Message)}).", ex);
        }
    }

    private static string CouldNotRead(string path, Exception ex) => $"Revocation list {path} could not be read ({ex.GetType().Name}: {OneLine(ex.Message)}).";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static partial class Log
    {
        [LoggerMessage(EventIds.RevocationsReloaded, LogLevel.Information, "Revocation list loaded: {Count} revoked tokens.", EventName = "RevocationsReloaded")]
        public static partial void RevocationsReloaded(ILogger logger, int count);

        [LoggerMessage(EventIds.RevocationsReloadFailed, LogLevel.Error, "Revocation list {Path} could not be read ({ErrorType}); the previous list stays in force.", EventName = "RevocationsReloadFailed")]
        public static partial void RevocationsReloadFailed(ILogger logger, string path, string errorType);

        [LoggerMessage(EventIds.RevocationsUnreadableAtStart, LogLevel.Critical, "{Problem}", EventName = "RevocationsUnreadableAtStart")]
        public static partial void RevocationsUnreadableAtStart(ILogger logger, string problem);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<Revocation>))]
internal sealed partial class RevocationJsonContext : JsonSerializerContext;
