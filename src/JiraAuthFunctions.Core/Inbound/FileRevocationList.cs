using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The revocation list in a JSON file under the data folder, written by the CLI
/// (<c>revocation add</c>) and read by the app. The app keeps the list in memory and looks at
/// the file's timestamp at most once per <see cref="ReloadInterval"/>, so a revocation takes
/// effect within about a second without a restart. If the file becomes unreadable, the last
/// good list stays in force and an error is logged.
/// </summary>
public sealed partial class FileRevocationList : IRevocationList
{
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private Snapshot _snapshot = Snapshot.Empty;
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _nextCheckTimestamp;

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
        return _snapshot.Revoked.Contains((integration, jtiHash));
    }

    public bool HasEntries(string integration)
    {
        ReloadIfChanged();
        return _snapshot.Integrations.Contains(integration);
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
            var writeTime = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : DateTime.MinValue;
            if (writeTime == _loadedWriteTime)
            {
                return;
            }

            try
            {
                var entries = File.Exists(_path)
                    ? JsonSerializer.Deserialize(File.ReadAllBytes(_path), RevocationJsonContext.Default.ListRevocation) ?? []
                    : [];
                _snapshot = new Snapshot(entries.Select(e => (e.Integration, e.JtiHash)).ToFrozenSet(), entries.Select(e => e.Integration).ToFrozenSet(StringComparer.Ordinal));
                _loadedWriteTime = writeTime;
                Log.RevocationsReloaded(_logger, _snapshot.Revoked.Count);
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
                Log.RevocationsReloadFailed(_logger, _path, ex.GetType().Name);
            }
        }
    }

    private async Task<List<Revocation>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        await using var stream = File.OpenRead(_path);
        return await JsonSerializer.DeserializeAsync(stream, RevocationJsonContext.Default.ListRevocation, cancellationToken).ConfigureAwait(false) ?? [];
    }

    private async Task WriteAsync(List<Revocation> entries, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temp = _path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, entries, RevocationJsonContext.Default.ListRevocation, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RevocationsReloaded, LogLevel.Information, "Revocation list loaded: {Count} revoked tokens.", EventName = "RevocationsReloaded")]
        public static partial void RevocationsReloaded(ILogger logger, int count);

        [LoggerMessage(EventIds.RevocationsReloadFailed, LogLevel.Error, "Revocation list {Path} could not be read ({ErrorType}); the previous list stays in force.", EventName = "RevocationsReloadFailed")]
        public static partial void RevocationsReloadFailed(ILogger logger, string path, string errorType);
    }

    /// <summary>One consistent view of the file: read together, swapped together.</summary>
    private sealed record Snapshot(FrozenSet<(string Integration, string JtiHash)> Revoked, FrozenSet<string> Integrations)
    {
        public static readonly Snapshot Empty = new(FrozenSet<(string, string)>.Empty, FrozenSet<string>.Empty);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<Revocation>))]
internal sealed partial class RevocationJsonContext : JsonSerializerContext;
