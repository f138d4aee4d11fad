using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// A key that verifies signatures, holding IdentityModel's signature provider per algorithm.
/// Providers are created once per key and algorithm and reused: creating one (an HMAC instance,
/// an imported RSA/ECDsa key) costs more than the verification itself.
/// </summary>
public sealed class VerificationKey
{
    // Our own factory without the process-wide cache: the providers live exactly as long as this key.
    private static readonly CryptoProviderFactory Factory = new() { CacheSignatureProviders = false };
    private readonly ConcurrentDictionary<string, SignatureProvider> _providers = new(StringComparer.Ordinal);

    public VerificationKey(SecurityKey key)
    {
        Key = key;
        Kid = string.IsNullOrEmpty(key.KeyId) ? null : key.KeyId;
    }

    public SecurityKey Key { get; }

    public string? Kid { get; }

    /// <summary>IdentityModel's verifier for this key and algorithm; throws when the two do not fit together.</summary>
    public SignatureProvider GetSignatureProvider(string algorithm) =>
        _providers.TryGetValue(algorithm, out var provider)
            ? provider
            : _providers.GetOrAdd(algorithm, static (alg, key) => Factory.CreateForVerifying(key, alg), Key);
}

/// <summary>The keys a source offers for a token, or why it has none.</summary>
public readonly record struct KeyLookup(IReadOnlyList<VerificationKey> Keys, bool Unavailable = false)
{
    public static readonly KeyLookup None = new([]);
    public static readonly KeyLookup SourceUnavailable = new([], Unavailable: true);
}

/// <summary>Where an integration's verification keys come from: configuration, the secret store, or a JWKS URL.</summary>
public interface ISigningKeySource
{
    /// <summary>
    /// Keys that may verify a token with this <paramref name="kid"/> (all keys when null). Served from
    /// memory on the hot path; a source may refresh when a kid is unknown, within its own rate limit.
    /// </summary>
    ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default);
}

/// <summary>Public keys fixed in configuration.</summary>
public sealed class StaticKeySource(IEnumerable<SecurityKey> keys) : ISigningKeySource
{
    private readonly VerificationKey[] _keys = keys.Select(k => new VerificationKey(k)).ToArray();

    public ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        if (kid is null)
        {
            return ValueTask.FromResult(new KeyLookup(_keys));
        }

        foreach (var key in _keys)
        {
            if (key.Kid == kid)
            {
                return ValueTask.FromResult(new KeyLookup([key]));
            }
        }

        return ValueTask.FromResult(KeyLookup.None);
    }
}
