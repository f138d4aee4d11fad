namespace JiraAuthFunctions.Secrets;

/// <summary>
/// Versioned secrets with the operations of Key Vault's secrets API. The local file store is the
/// embedded default; Key Vault is the production store.
/// </summary>
public interface ISecretStore
{
    /// <summary>The given version, or the latest when <paramref name="version"/> is null; null if there is none.</summary>
    Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Every version of a secret, newest first, without values.</summary>
    Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Adds a new version, which becomes the latest.</summary>
    Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default);

    /// <summary>Changes a version's enabled flag, dates or tags; the value never changes.</summary>
    Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default);
}

/// <summary>Attributes given when a version is created.</summary>
public sealed record SecretAttributes
{
    public bool Enabled { get; init; } = true;
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? ExpiresOn { get; init; }
    public string? ContentType { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>The store could not be reached or answered with an error; the message never holds a value.</summary>
public sealed class SecretStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The store refused our identity (Key Vault 403): a missing role, not an outage.</summary>
    public bool AccessDenied { get; init; }
}
