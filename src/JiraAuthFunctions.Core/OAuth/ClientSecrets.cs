using System.Collections.Concurrent;
using JiraAuthFunctions.Secrets;

namespace JiraAuthFunctions.OAuth;

/// <summary>What checking a client's id and secret found.</summary>
public enum ClientSecretCheck
{
    /// <summary>The id is the client's and the secret matches a usable version.</summary>
    Match,

    /// <summary>No client with this id: no usable version, or versions of another id.</summary>
    UnknownClient,

    /// <summary>The client exists; the secret matches none of its usable versions.</summary>
    Mismatch,

    /// <summary>The store could not be read and nothing is held.</summary>
    Unavailable,
}

/// <summary>
/// The hashed client secrets of each integration (<c>oauth-client-&lt;integration&gt;</c>), read from the
/// secret store like shared secrets: the two newest usable versions verify (a rotation's overlap),
/// re-read every 5 minutes, and early when a secret matches none held, at most every 30 s (so a
/// rotation is seen at once, and wrong secrets cannot turn into store traffic). While the store
/// fails the held hashes keep verifying for an hour.
/// </summary>
public sealed class ClientSecrets(ISecretStore store, TimeProvider timeProvider)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _readLock = new(1, 1);

    public async ValueTask<ClientSecretCheck> CheckAsync(string integration, string clientId, string secret, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        _held.TryGetValue(integration, out var held);
        if (held is null || now - held.ReadAt >= RefreshInterval)
        {
            held = await ReadAsync(integration, held, cancellationToken).ConfigureAwait(false);
        }

        var result = Check(held, clientId, secret, now);
        if (result != ClientSecretCheck.Match && held is not null && now - held.ReadAt >= MinRefetchInterval)
        {
            // Perhaps a version added since the last read (a rotation, or the first create).
            held = await ReadAsync(integration, held, cancellationToken).ConfigureAwait(false);
            result = Check(held, clientId, secret, now);
        }

        return result;
    }

    private static ClientSecretCheck Check(Held? held, string clientId, string secret, DateTimeOffset now)
    {
        if (held is null || now - held.SucceededAt > RefreshInterval + MaxStaleness)
        {
            return ClientSecretCheck.Unavailable;
        }

        var known = false;
        foreach (var version in held.Versions)
        {
            if ((version.ExpiresOn is { } expires && now >= expires) || !string.Equals(version.ClientId, clientId, StringComparison.Ordinal))
            {
                continue;
            }

            known = true;
            if (ClientSecretHash.Matches(version.Stored, secret))
            {
                return ClientSecretCheck.Match;
            }
        }

        return known ? ClientSecretCheck.Mismatch : ClientSecretCheck.UnknownClient;
    }

    // One read at a time across clients: token requests are few, and a burst waits for one read.
    private async ValueTask<Held?> ReadAsync(string integration, Held? seen, CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held.TryGetValue(integration, out var current) && !ReferenceEquals(current, seen))
            {
                return current;
            }

            var now = timeProvider.GetUtcNow();
            Held? read;
            try
            {
                read = await LoadAsync(integration, now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep what is held; try again after MinRefetchInterval.
                read = seen is null ? null : seen with { ReadAt = now - RefreshInterval + MinRefetchInterval };
            }

            if (read is not null)
            {
                _held[integration] = read;
            }

            return read;
        }
        finally
        {
            _readLock.Release();
        }
    }

    private async Task<Held> LoadAsync(string integration, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = ClientId.SecretName(integration);
        var usable = (await store.GetPropertiesOfSecretVersionsAsync(name, cancellationToken).ConfigureAwait(false))
            .Where(v => v.IsUsableAt(now) && v.Tags.ContainsKey(ClientId.Tag))
            .OrderByDescending(v => v.CreatedOn)
            .Take(2);
        var versions = new List<HeldVersion>(2);
        foreach (var properties in usable)
        {
            if (await store.GetSecretAsync(name, properties.Version, cancellationToken).ConfigureAwait(false) is { } secret)
            {
                versions.Add(new HeldVersion(properties.Tags[ClientId.Tag], secret.Value, properties.ExpiresOn));
            }
        }

        return new Held(versions, now, now);
    }

    private sealed record HeldVersion(string ClientId, string Stored, DateTimeOffset? ExpiresOn);

    /// <param name="ReadAt">When the store was last tried (a failed try moves it too).</param>
    private sealed record Held(IReadOnlyList<HeldVersion> Versions, DateTimeOffset ReadAt, DateTimeOffset SucceededAt);
}
