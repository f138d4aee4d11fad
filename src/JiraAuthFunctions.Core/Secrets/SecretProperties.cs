namespace JiraAuthFunctions.Secrets;

/// <summary>
/// The attributes of one version of a secret, shaped like a Key Vault secret's so that the
/// local file store and Key Vault are interchangeable. Holds no value.
/// </summary>
public sealed record SecretProperties
{
    /// <summary>The secret's name. Letters, digits and '-' only (Key Vault's rule). This field is required.</summary>
    public required string Name { get; init; }

    /// <summary>The version id: opaque, unique per secret. This field is required.</summary>
    public required string Version { get; init; }

    public bool Enabled { get; init; } = true;
    public DateTimeOffset CreatedOn { get; init; }
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? ExpiresOn { get; init; }
    public string? ContentType { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the version may be used at <paramref name="now"/>: enabled, past not-before, before expiry.</summary>
    public bool IsUsableAt(DateTimeOffset now) =>
        Enabled && (NotBefore is null || NotBefore <= now) && (ExpiresOn is null || now < ExpiresOn);
}

/// <summary>A secret version with its value. <see cref="ToString"/> never shows the value.</summary>
public sealed class SecretValue(SecretProperties properties, string value)
{
    public SecretProperties Properties { get; } = properties;
    public string Value { get; } = value;

    public override string ToString() => $"SecretValue {{ Name = {Properties.Name}, Version = {Properties.Version} }}";
}
