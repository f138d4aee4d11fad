using System.Globalization;
using System.Security.Cryptography;
using JiraAuthFunctions.Secrets;

namespace JiraAuthFunctions.Signing;

/// <summary>Where a key is in its life: published ahead, signing, kept for verification, or gone.</summary>
public enum SigningKeyState
{
    Next,
    Current,
    Previous,
    Retired,
}

/// <summary>
/// One of the app's ES256 (P-256) keys, as kept in the secret store: the value is the PKCS#8
/// private key (base64), the tags say its kid, state and dates. Only <see cref="PublicJwk"/>
/// ever leaves the process.
/// </summary>
public sealed class SigningKey
{
    public const string ContentType = "application/pkcs8";

    private SigningKey(SecretProperties properties, ECDsa key, string kid, SigningKeyState state, DateTimeOffset? activatesOn, DateTimeOffset? retiresOn)
    {
        Properties = properties;
        Key = key;
        Kid = kid;
        State = state;
        ActivatesOn = activatesOn;
        RetiresOn = retiresOn;
    }

    public SecretProperties Properties { get; }
    public ECDsa Key { get; }
    public string Kid { get; }
    public SigningKeyState State { get; }

    /// <summary>For <see cref="SigningKeyState.Next"/>: when it becomes current.</summary>
    public DateTimeOffset? ActivatesOn { get; }

    /// <summary>For <see cref="SigningKeyState.Previous"/>: when every token it signed has expired.</summary>
    public DateTimeOffset? RetiresOn { get; }

    /// <summary>A new P-256 key: its PKCS#8 value and the tags for its first state.</summary>
    public static (string Value, SecretAttributes Attributes) Create(SigningKeyState state, DateTimeOffset? activatesOn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tags = Tags(KidOf(key), state, activatesOn, retiresOn: null);
        return (Convert.ToBase64String(key.ExportPkcs8PrivateKey()), new SecretAttributes { ContentType = ContentType, Tags = tags });
    }

    public static SigningKey? TryRead(SecretValue secret)
    {
        var tags = secret.Properties.Tags;
        if (secret.Properties.ContentType != ContentType || !tags.TryGetValue("kid", out var kid) ||
            !tags.TryGetValue("state", out var stateText) || !Enum.TryParse<SigningKeyState>(stateText, ignoreCase: true, out var state))
        {
            return null;
        }

        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(secret.Value), out _);
        return new SigningKey(secret.Properties, key, kid, state, Date(tags, "activatesOn"), Date(tags, "retiresOn"));
    }

    /// <summary>The tags for a new state of this key.</summary>
    public IReadOnlyDictionary<string, string> TagsFor(SigningKeyState state, DateTimeOffset? activatesOn = null, DateTimeOffset? retiresOn = null) =>
        Tags(Kid, state, activatesOn, retiresOn);

    /// <summary>The public key as a JWK: kty, crv, x, y, kid, use, alg. Never the private part.</summary>
    public Dictionary<string, string> PublicJwk()
    {
        var p = Key.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.X),
            ["y"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.Y),
            ["kid"] = Kid,
            ["use"] = "sig",
            ["alg"] = "ES256",
        };
    }

    // The kid is a thumbprint of the public key: stable, and says nothing about the private part.
    private static string KidOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 8));

    private static Dictionary<string, string> Tags(string kid, SigningKeyState state, DateTimeOffset? activatesOn, DateTimeOffset? retiresOn)
    {
        var tags = new Dictionary<string, string> { ["kid"] = kid, ["state"] = state.ToString().ToLowerInvariant(), ["purpose"] = "signing" };
        if (activatesOn is { } a)
        {
            tags["activatesOn"] = a.ToString("O", CultureInfo.InvariantCulture);
        }

        if (retiresOn is { } r)
        {
            tags["retiresOn"] = r.ToString("O", CultureInfo.InvariantCulture);
        }

        return tags;
    }

    private static DateTimeOffset? Date(IReadOnlyDictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value) ? value : null;
}
