using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Secrets;

/// <summary>
/// The entry point for the secret store: Key Vault when <c>KeyVault:VaultUri</c> is set, otherwise
/// the local file store under the data folder (the embedded default, for local use). Either way
/// the store is wrapped in <see cref="MeteredSecretStore"/> (reads, writes and errors by kind).
/// </summary>
public static class SecretsServiceCollectionExtensions
{
    public static IServiceCollection AddSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JiraAuthMetrics>();

        // KeyVault:* is registered with the app's credential (its client id is the identity's) and checked at start.
        services.AddAzureCredential(configuration);
        services.TryAddSingleton(sp => new FileSecretStore(
            Path.Combine(sp.GetRequiredService<LocalData>().Path, "secrets.json"),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SecretClient(
            sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.VaultUri ?? throw new InvalidOperationException("KeyVault:VaultUri is not set."),
            sp.GetRequiredService<TokenCredential>(),
            ClientOptions()));
        services.TryAddSingleton<ISecretStore>(sp => Metered(sp, sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.VaultUri is null
            ? sp.GetRequiredService<FileSecretStore>()
            : new KeyVaultSecretStore(sp.GetRequiredService<SecretClient>())));

        // Only the local file store is seeded; a production store is never written to behind an admin's back.
        services.AddHostedService<LocalSecretSeeder>();
        return services;
    }

    private static MeteredSecretStore Metered(IServiceProvider services, ISecretStore store) => new(
        store,
        new SecretKinds(
            services.GetService<IOptions<InboundOptions>>()?.Value ?? new InboundOptions(),
            services.GetService<IOptions<SigningKeyOptions>>()?.Value ?? new SigningKeyOptions()),
        services.GetRequiredService<JiraAuthMetrics>());

    /// <summary>
    /// Retries bounded for a request path: at most 3 tries within about 10 s, Retry-After honoured
    /// (the SDK's policy). Reads happen once per refresh interval per secret, never per request.
    /// </summary>
    public static SecretClientOptions ClientOptions()
    {
        var options = new SecretClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}

/// <summary>Settings of the Key Vault secret store (section <c>KeyVault</c>).</summary>
public sealed class KeyVaultOptions
{
    public const string SectionName = "KeyVault";

    /// <summary>The vault, e.g. <c>https://my-vault.vault.azure.net/</c>. Unset: the local file store.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>
    /// The client id of the user-assigned managed identity every Azure client signs in with (Key Vault,
    /// storage, Azure Monitor; see <see cref="AzureCredentials"/>); unset: DefaultAzureCredential.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }
}

/// <summary>Checks the <c>KeyVault</c> section at start, every rule, each message naming the full key.</summary>
public sealed class KeyVaultOptionsValidator : IValidateOptions<KeyVaultOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyVaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.VaultUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("KeyVault:VaultUri must be the vault's https URL, e.g. https://my-vault.vault.azure.net/.");
        }

        if (options.ManagedIdentityClientId is { Length: > 0 } clientId && !Guid.TryParse(clientId, out _))
        {
            errors.Add("KeyVault:ManagedIdentityClientId must be the identity's client id (a GUID).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
