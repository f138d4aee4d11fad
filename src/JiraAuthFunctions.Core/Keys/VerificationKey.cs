using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Keys;

/// <summary>
/// A key that verifies signatures with exactly one algorithm (RFC 8725 3.1): a token whose
/// <c>alg</c> is another is never tried with it, so a key configured for RS256 cannot verify a
/// PS256 signature, nor an HMAC secret anything but its one HS algorithm. Holds IdentityModel's
/// signature provider for that algorithm, created once and reused: creating one (an HMAC
/// instance, an imported RSA/ECDsa key) costs more than the verification itself.
/// </summary>
public sealed class VerificationKey
{
    // Our own factory without the process-wide cache: the provider lives exactly as long as this key.
    private static readonly CryptoProviderFactory Factory = new() { CacheSignatureProviders = false };
    private SignatureProvider? _provider;

    /// <param name="key">The public key or HMAC secret.</param>
    /// <param name="algorithm">Its one algorithm (RS256, PS256, ES256, HS256, ...): <see cref="KeyAlgorithms.Check"/> tells whether the two fit.</param>
    public VerificationKey(SecurityKey key, string algorithm)
    {
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        Key = key;
        Algorithm = algorithm;
        Kid = string.IsNullOrEmpty(key.KeyId) ? null : key.KeyId;
    }

    public SecurityKey Key { get; }

    public string? Kid { get; }

    /// <summary>The one <c>alg</c> this key verifies; compared ordinally with a token's header.</summary>
    public string Algorithm { get; }

    /// <summary>IdentityModel's verifier for this key's algorithm; throws for any other algorithm, or when key and algorithm do not fit.</summary>
    public SignatureProvider GetSignatureProvider(string algorithm)
    {
        if (!string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Key '{Kid}' verifies {Algorithm} only, not {algorithm}.", nameof(algorithm));
        }

        return _provider ??= Factory.CreateForVerifying(Key, Algorithm);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is this key's signature of <paramref name="input"/> with
    /// <paramref name="algorithm"/> (only ever its own one). HS256/384/512 with a shared secret are
    /// verified here with keyed HMAC instances kept per key (IdentityModel's provider copies the secret
    /// out of the key and allocates the MAC on every call) and a constant-time compare; every other
    /// algorithm goes through <see cref="GetSignatureProvider"/>. Throws as the provider does for a key
    /// and algorithm that do not fit.
    /// </summary>
    public bool Verify(string algorithm, byte[] input, int inputLength, byte[] signature, int signatureLength)
    {
        // A secret shorter than the MAC (IdentityModel's rule: HS256 needs 256 bits, ...) goes to its
        // provider, which refuses it, as before.
        if (string.Equals(algorithm, Algorithm, StringComparison.Ordinal) && Key is SymmetricSecurityKey symmetric && HmacName(algorithm) is { } name && symmetric.KeySize >= MacBits(name))
        {
            return VerifyHmac(name, input.AsSpan(0, inputLength), signature.AsSpan(0, signatureLength));
        }

        return GetSignatureProvider(algorithm).Verify(input, 0, inputLength, signature, 0, signatureLength);
    }

    private static HashAlgorithmName? HmacName(string algorithm) => algorithm switch
    {
        SecurityAlgorithms.HmacSha256 => HashAlgorithmName.SHA256,
        SecurityAlgorithms.HmacSha384 => HashAlgorithmName.SHA384,
        SecurityAlgorithms.HmacSha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static int MacBits(HashAlgorithmName name) => name == HashAlgorithmName.SHA256 ? 256 : name == HashAlgorithmName.SHA384 ? 384 : 512;

    // Keyed once per instance; an instance is used by one caller at a time and returned reset.
    private ConcurrentBag<IncrementalHash>? _hmacs;
    private byte[]? _secret;

    private bool VerifyHmac(HashAlgorithmName name, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        var hmacs = _hmacs ?? Interlocked.CompareExchange(ref _hmacs, new ConcurrentBag<IncrementalHash>(), null) ?? _hmacs;
        if (!hmacs.TryTake(out var hmac))
        {
            // The secret is copied out of the key once (SymmetricSecurityKey.Key copies on every read).
            _secret ??= ((SymmetricSecurityKey)Key).Key;
            hmac = IncrementalHash.CreateHMAC(name, _secret);
        }

        Span<byte> mac = stackalloc byte[64];
        int length;
        try
        {
            hmac.AppendData(input);
            length = hmac.GetHashAndReset(mac);
        }
        catch
        {
            // An instance that failed half-way is not returned: it could carry part of this input into the next.
            hmac.Dispose();
            throw;
        }

        hmacs.Add(hmac);

        // IdentityModel's rule: a signature of another length is not this key's (no truncated MACs).
        return signature.Length == length && CryptographicOperations.FixedTimeEquals(mac[..length], signature);
    }
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
    /// Keys that may verify a token with this <paramref name="kid"/> (all keys when null; the caller
    /// tries only those whose <see cref="VerificationKey.Algorithm"/> is the token's). Served from
    /// memory on the hot path; a source may refresh when a kid is unknown, within its own rate limit.
    /// </summary>
    ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default);
}

/// <summary>Public keys fixed in configuration, each with its algorithm.</summary>
public sealed class StaticKeySource(IEnumerable<VerificationKey> keys) : ISigningKeySource
{
    /// <summary>No keys: an integration whose scheme finds its keys per call, or needs none (<see cref="Integration.HoldsKeys"/> is false).</summary>
    public static readonly StaticKeySource None = new([]);

    private readonly VerificationKey[] _keys = [.. keys];

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
