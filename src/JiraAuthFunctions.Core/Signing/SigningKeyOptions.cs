namespace JiraAuthFunctions.Signing;

/// <summary>How the app's own ES256 signing keys rotate (section <c>Signing</c>).</summary>
public sealed class SigningKeyOptions
{
    public const string SectionName = "Signing";

    /// <summary>The secret whose versions hold the keys (one version per key). Default <c>signing-key</c>.</summary>
    public string SecretName { get; set; } = "signing-key";

    /// <summary>How long a key signs before the next one takes over. Default 30 days.</summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a new key is published in the JWKS before it signs anything, so every verifier's
    /// cached key set holds it by then. The JWKS is served with a max-age of half of this. Default 1 day.
    /// </summary>
    public TimeSpan PublicationInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The longest lifetime of a token the app signs: a retired key stays published this long (plus skew). Default 1 hour.</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Clock skew verifiers may allow. Default 5 minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How the published keys are held in memory (<c>Signing:Cache</c>, docs/caching.md). Default <see cref="SigningKeyRing.DefaultCache"/>.</summary>
    public Caching.CacheSettings Cache { get; set; } = SigningKeyRing.DefaultCache;
}
