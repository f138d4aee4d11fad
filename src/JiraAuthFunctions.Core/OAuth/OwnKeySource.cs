using System.Security.Cryptography;
using JiraAuthFunctions.Signing;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// The app's own signing keys as verification keys (public parts of the current and previous key:
/// what may have signed a token still alive), for <see cref="VerificationMethod.ClientCredentials"/>
/// integrations. Read through <see cref="SigningKeyRing"/>, which holds the published set for a minute.
/// </summary>
public sealed class OwnKeySource(SigningKeyRing ring) : ISigningKeySource
{
    private (IReadOnlyList<SigningKey> From, VerificationKey[] Keys)? _built;

    public async ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SigningKey> published;
        try
        {
            published = await ring.GetPublishedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return KeyLookup.SourceUnavailable;
        }

        var keys = KeysOf(published);
        if (kid is null)
        {
            return new KeyLookup(keys);
        }

        foreach (var key in keys)
        {
            if (key.Kid == kid)
            {
                return new KeyLookup([key]);
            }
        }

        return KeyLookup.None;
    }

    // Built once per published set (the ring hands out the same list until it re-reads the store).
    private VerificationKey[] KeysOf(IReadOnlyList<SigningKey> published)
    {
        if (_built is { } built && ReferenceEquals(built.From, published))
        {
            return built.Keys;
        }

        var keys = published
            .Where(k => k.State is SigningKeyState.Current or SigningKeyState.Previous)
            .Select(k => new VerificationKey(new ECDsaSecurityKey(ECDsa.Create(k.Key.ExportParameters(includePrivateParameters: false))) { KeyId = k.Kid }, "ES256"))
            .ToArray();
        _built = (published, keys);
        return keys;
    }
}
