using Azure;
using Azure.Security.KeyVault.Secrets;
using JiraAuthFunctions.Keys;
using AzureSecretProperties = Azure.Security.KeyVault.Secrets.SecretProperties;
using SecretProperties = JiraAuthFunctions.Secrets.SecretProperties;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// The secret store in production: Azure Key Vault through the SDK's <see cref="SecretClient"/>
/// (its pipeline handles the bearer challenge, retries with Retry-After, and timeouts). A missing
/// secret or version is null, as in the file store. Any other failure becomes a
/// <see cref="SecretStoreUnavailableException"/> that names the status and error code only:
/// neither a value nor the service's message (which is not ours to vouch for) is passed on.
/// Reads are not cached here: the key sources hold what they read (see SharedSecretKeySource).
/// </summary>
public sealed class KeyVaultSecretStore(SecretClient client) : ISecretStore
{
    public Uri VaultUri => client.VaultUri;

    public async Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default)
    {
        try
        {
            KeyVaultSecret secret = await client.GetSecretAsync(name, version, cancellationToken).ConfigureAwait(false);
            return new SecretValue(ToProperties(secret.Properties), secret.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Unavailable("read", name, ex);
        }
    }

    public async Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var versions = new List<SecretProperties>();
            await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                versions.Add(ToProperties(properties));
            }

            // Key Vault lists in no promised order; the contract is newest first.
            return [.. versions.OrderByDescending(v => v.CreatedOn)];
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Unavailable("list versions of", name, ex);
        }
    }

    public async Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        attributes ??= new SecretAttributes();
        var secret = new KeyVaultSecret(name, value);
        secret.Properties.Enabled = attributes.Enabled;
        secret.Properties.NotBefore = attributes.NotBefore;
        secret.Properties.ExpiresOn = attributes.ExpiresOn;
        secret.Properties.ContentType = attributes.ContentType;
        foreach (var (key, tag) in attributes.Tags ?? new Dictionary<string, string>())
        {
            secret.Properties.Tags[key] = tag;
        }

        try
        {
            KeyVaultSecret created = await client.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
            return ToProperties(created.Properties);
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Unavailable("write", name, ex);
        }
    }

    public async Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default)
    {
        var update = new AzureSecretProperties(new Uri(client.VaultUri, $"secrets/{properties.Name}/{properties.Version}"))
        {
            Enabled = properties.Enabled,
            NotBefore = properties.NotBefore,
            ExpiresOn = properties.ExpiresOn,
            ContentType = properties.ContentType,
        };
        foreach (var (key, tag) in properties.Tags)
        {
            update.Tags[key] = tag;
        }

        try
        {
            AzureSecretProperties updated = await client.UpdateSecretPropertiesAsync(update, cancellationToken).ConfigureAwait(false);
            return ToProperties(updated);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new KeyNotFoundException($"Secret '{properties.Name}' has no version '{properties.Version}'.");
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Unavailable("update", properties.Name, ex);
        }
    }

    private static SecretProperties ToProperties(AzureSecretProperties p) => new()
    {
        Name = p.Name,
        Version = p.Version,
        Enabled = p.Enabled ?? true,
        CreatedOn = p.CreatedOn ?? DateTimeOffset.MinValue,
        NotBefore = p.NotBefore,
        ExpiresOn = p.ExpiresOn,
        ContentType = p.ContentType,
        Tags = new Dictionary<string, string>(p.Tags),
    };

    private static bool IsServiceFailure(Exception ex) =>
        ex is RequestFailedException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException;

    private SecretStoreUnavailableException Unavailable(string action, string name, Exception ex)
    {
        var detail = ex is RequestFailedException failed ? $"status {failed.Status}, code {failed.ErrorCode ?? "none"}" : ex.GetType().Name;
        return new SecretStoreUnavailableException($"Key Vault {client.VaultUri.Host} could not {action} secret '{name}' ({detail}).", ex)
        {
            AccessDenied = ex is RequestFailedException { Status: 403 },
        };
    }
}
