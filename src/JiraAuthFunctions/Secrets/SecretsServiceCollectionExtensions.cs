using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        var keyVault = KeyVaultOptions.From(configuration);
        if (keyVault.VaultUri is not null)
        {
            AddKeyVault(services, keyVault);
        }
        else
        {
            services.TryAddSingleton(sp => new FileSecretStore(
                Path.Combine(sp.GetRequiredService<LocalData>().Path, "secrets.json"),
                sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<ISecretStore>(sp => Metered(sp, sp.GetRequiredService<FileSecretStore>()));
        }

        // Only the local file store is seeded; a production store is never written to behind an admin's back.
        services.AddHostedService<LocalSecretSeeder>();
        return services;
    }

    private static void AddKeyVault(IServiceCollection services, KeyVaultOptions options)
    {
        // A user-assigned identity in Azure (its client id configured); DefaultAzureCredential
        // elsewhere (az login, Visual Studio, environment variables).
        services.TryAddSingleton<TokenCredential>(_ => options.ManagedIdentityClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential());
        services.TryAddSingleton(sp => new SecretClient(options.VaultUri!, sp.GetRequiredService<TokenCredential>(), ClientOptions()));
        services.TryAddSingleton<ISecretStore>(sp => Metered(sp, new KeyVaultSecretStore(sp.GetRequiredService<SecretClient>())));
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

    /// <summary>The client id of the user-assigned managed identity to use; unset: DefaultAzureCredential.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Read once at registration (the secret store chosen depends on it), so checked here rather
    /// than by ValidateOnStart: every bad key is named, and the start fails before anything runs.
    /// </summary>
    internal static KeyVaultOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var errors = JiraAuthFunctions.Configuration.SettingsCheck.Check(section, typeof(KeyVaultOptions));
        var options = errors.Count == 0 ? section.Get<KeyVaultOptions>() ?? new KeyVaultOptions() : new KeyVaultOptions();
        if (options.VaultUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("KeyVault:VaultUri must be the vault's https URL, e.g. https://my-vault.vault.azure.net/.");
        }

        if (options.ManagedIdentityClientId is { Length: > 0 } clientId && !Guid.TryParse(clientId, out _))
        {
            errors.Add("KeyVault:ManagedIdentityClientId must be the identity's client id (a GUID).");
        }

        return errors.Count == 0 ? options : throw new Microsoft.Extensions.Options.OptionsValidationException(SectionName, typeof(KeyVaultOptions), errors);
    }
}
