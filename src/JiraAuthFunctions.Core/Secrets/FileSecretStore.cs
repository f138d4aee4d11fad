using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// The embedded default secret store: one JSON file under the data folder, so a fresh clone runs
/// with no Azure at all. For local use only: values are stored unencrypted, readable by the owner
/// only (mode 600 on Unix). Every call reads the file, so the CLI and the app see each other's writes;
/// callers that need speed cache above it (<see cref="Keys.SharedSecretKeySource"/> does).
/// </summary>
public sealed class FileSecretStore : ISecretStore
{
    private readonly string _path;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public FileSecretStore(string path, TimeProvider timeProvider)
    {
        _path = Path.GetFullPath(path);
        _timeProvider = timeProvider;
    }

    public string FilePath => _path;

    public async Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default)
    {
        var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!document.Secrets.TryGetValue(name, out var versions) || versions.Count == 0)
        {
            return null;
        }

        var entry = version is null ? versions[^1] : versions.Find(v => v.Version == version);
        return entry is null ? null : new SecretValue(entry.ToProperties(name), entry.Value);
    }

    public async Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!document.Secrets.TryGetValue(name, out var versions))
        {
            return [];
        }

        return versions.Select(v => v.ToProperties(name)).Reverse().ToArray();
    }

    public async Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default)
    {
        SecretNames.ThrowIfInvalid(name);
        ArgumentNullException.ThrowIfNull(value);
        attributes ??= new SecretAttributes();

        var entry = new StoredVersion
        {
            Version = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Value = value,
            Enabled = attributes.Enabled,
            CreatedOn = _timeProvider.GetUtcNow(),
            NotBefore = attributes.NotBefore,
            ExpiresOn = attributes.ExpiresOn,
            ContentType = attributes.ContentType,
            Tags = attributes.Tags is null ? [] : new Dictionary<string, string>(attributes.Tags),
        };

        await UpdateAsync(document =>
        {
            if (!document.Secrets.TryGetValue(name, out var versions))
            {
                document.Secrets[name] = versions = [];
            }

            versions.Add(entry);
        }, cancellationToken).ConfigureAwait(false);

        return entry.ToProperties(name);
    }

    public async Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default)
    {
        StoredVersion? updated = null;
        await UpdateAsync(document =>
        {
            var entry = document.Secrets.TryGetValue(properties.Name, out var versions)
                ? versions.Find(v => v.Version == properties.Version)
                : null;
            if (entry is null)
            {
                throw new KeyNotFoundException($"Secret '{properties.Name}' has no version '{properties.Version}'.");
            }

            entry.Enabled = properties.Enabled;
            entry.NotBefore = properties.NotBefore;
            entry.ExpiresOn = properties.ExpiresOn;
            entry.ContentType = properties.ContentType;
            entry.Tags = new Dictionary<string, string>(properties.Tags);
            updated = entry;
        }, cancellationToken).ConfigureAwait(false);

        return updated!.ToProperties(properties.Name);
    }

    private async Task<SecretsDocument> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return await JsonSerializer.DeserializeAsync(stream, SecretsJsonContext.Default.SecretsDocument, cancellationToken).ConfigureAwait(false)
                ?? new SecretsDocument();
        }
        catch (FileNotFoundException)
        {
            return new SecretsDocument();
        }
        catch (DirectoryNotFoundException)
        {
            return new SecretsDocument();
        }
        catch (JsonException ex)
        {
            // The message names the file and the position, never the content.
            throw new SecretStoreUnavailableException($"The secret file '{_path}' is not valid JSON (line {ex.LineNumber}). Fix or remove it.");
        }
    }

    // Read-modify-write under a lock that holds across processes (the CLI and the app share the
    // file), then replace the file atomically so a crash never leaves half a document.
    private async Task UpdateAsync(Action<SecretsDocument> change, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            await using var processLock = await AcquireFileLockAsync(cancellationToken).ConfigureAwait(false);
            var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
            change(document);

            var temp = _path + ".tmp";
            await using (var stream = CreateOwnerOnly(temp))
            {
                await JsonSerializer.SerializeAsync(stream, document, SecretsJsonContext.Default.SecretsDocument, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<FileStream> AcquireFileLockAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 200)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25), _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    internal sealed class SecretsDocument
    {
        public Dictionary<string, List<StoredVersion>> Secrets { get; set; } = new(StringComparer.Ordinal);
    }

    internal sealed class StoredVersion
    {
        public string Version { get; set; } = "";
        public string Value { get; set; } = "";
        public bool Enabled { get; set; } = true;
        public DateTimeOffset CreatedOn { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        public DateTimeOffset? ExpiresOn { get; set; }
        public string? ContentType { get; set; }
        public Dictionary<string, string> Tags { get; set; } = [];

        public SecretProperties ToProperties(string name) => new()
        {
            Name = name,
            Version = Version,
            Enabled = Enabled,
            CreatedOn = CreatedOn,
            NotBefore = NotBefore,
            ExpiresOn = ExpiresOn,
            ContentType = ContentType,
            Tags = Tags,
        };
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FileSecretStore.SecretsDocument))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
