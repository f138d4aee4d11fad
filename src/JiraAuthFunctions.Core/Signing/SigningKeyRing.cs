using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Signing;

/// <summary>
/// The app's signing keys as the secret store holds them. Reads every enabled version of the
/// signing-key secret; the published set (next, current, previous) is held for a minute so JWKS
/// requests never turn into store traffic (counted as cache hits and misses when metrics are given).
/// </summary>
public sealed class SigningKeyRing(ISecretStore store, IOptions<SigningKeyOptions> options, TimeProvider timeProvider, JiraAuthMetrics? metrics = null)
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private (IReadOnlyList<SigningKey> Keys, DateTimeOffset LoadedAt)? _published;

    public SigningKeyOptions Options => options.Value;

    /// <summary>Every key that is not retired, read from the store now.</summary>
    public async Task<IReadOnlyList<SigningKey>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<SigningKey>();
        foreach (var version in await store.GetPropertiesOfSecretVersionsAsync(options.Value.SecretName, cancellationToken).ConfigureAwait(false))
        {
            if (!version.Enabled)
            {
                continue;
            }

            var secret = await store.GetSecretAsync(version.Name, version.Version, cancellationToken).ConfigureAwait(false);
            if (secret is not null && SigningKey.TryRead(secret) is { State: not SigningKeyState.Retired } key)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The keys verifiers must know (next, current, previous), held for <see cref="CacheDuration"/>.</summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        if (_published is { } held && now - held.LoadedAt < CacheDuration)
        {
            metrics?.SecretCache(SecretKinds.SigningKey, hit: true);
            return held.Keys;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_published is { } again && now - again.LoadedAt < CacheDuration)
            {
                metrics?.SecretCache(SecretKinds.SigningKey, hit: true);
                return again.Keys;
            }

            metrics?.SecretCache(SecretKinds.SigningKey, hit: false);
            var keys = await LoadAsync(cancellationToken).ConfigureAwait(false);
            _published = (keys, now);
            return keys;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The key that signs now, if any.</summary>
    public async Task<SigningKey?> GetCurrentAsync(CancellationToken cancellationToken = default) =>
        (await GetPublishedAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(k => k.State == SigningKeyState.Current);

    /// <summary>Forget the held set (after a rotation step in this process).</summary>
    public void Invalidate() => _published = null;
}
