using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// Counts every call to the secret store (Key Vault in Azure) by secret kind, operation and
/// outcome, so on-call sees read volume, not-found answers and errors (throttling, outage, a
/// missing role) without a log search. Wraps whichever store is configured; adds no behaviour.
/// </summary>
public sealed class MeteredSecretStore(ISecretStore inner, SecretKinds kinds, JiraAuthMetrics metrics) : ISecretStore
{
    public const string Ok = "ok";
    public const string NotFound = "not_found";
    public const string Error = "error";

    /// <summary>The store being counted (the seeder writes only to a local file store).</summary>
    public ISecretStore Inner => inner;

    public async Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default)
    {
        var secret = await CountAsync(name, "get", metrics.SecretRead, () => inner.GetSecretAsync(name, version, cancellationToken)).ConfigureAwait(false);
        metrics.SecretRead(kinds.Of(name), "get", secret is null ? NotFound : Ok);
        return secret;
    }

    public async Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        var versions = await CountAsync(name, "list", metrics.SecretRead, () => inner.GetPropertiesOfSecretVersionsAsync(name, cancellationToken)).ConfigureAwait(false);
        metrics.SecretRead(kinds.Of(name), "list", versions.Count == 0 ? NotFound : Ok);
        return versions;
    }

    public async Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default)
    {
        var properties = await CountAsync(name, "set", metrics.SecretWrite, () => inner.SetSecretAsync(name, value, attributes, cancellationToken)).ConfigureAwait(false);
        metrics.SecretWrite(kinds.Of(name), "set", Ok);
        return properties;
    }

    public async Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default)
    {
        var updated = await CountAsync(properties.Name, "update", metrics.SecretWrite, () => inner.UpdateSecretPropertiesAsync(properties, cancellationToken)).ConfigureAwait(false);
        metrics.SecretWrite(kinds.Of(properties.Name), "update", Ok);
        return updated;
    }

    /// <summary>Runs the call; a failure (not a cancellation) is counted as an error and rethrown unchanged.</summary>
    private async Task<T> CountAsync<T>(string name, string operation, Action<string, string, string> count, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            count(kinds.Of(name), operation, Error);
            throw;
        }
    }
}
