using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Schemes;

/// <summary>The configured integrations by name, each with its key source.</summary>
public sealed class IntegrationRegistry
{
    private readonly FrozenDictionary<string, Integration> _integrations;

    public IntegrationRegistry(IEnumerable<Integration> integrations)
    {
        _integrations = integrations.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IEnumerable<Integration> All => _integrations.Values;

    public bool TryGet(string name, [NotNullWhen(true)] out Integration? integration) =>
        _integrations.TryGetValue(name, out integration);

    /// <summary>
    /// The health of the integration's cached key source (<c>jwks:&lt;name&gt;</c> for Jwks and Forge,
    /// <c>install-keys:&lt;name&gt;</c> for Connect, <c>shared-secret:&lt;name&gt;</c> for keys read from the
    /// secret store); null when its keys are not cached (configured public keys).
    /// </summary>
    public IDependencyHealth? KeyFetchHealth(string name) =>
        !TryGet(name, out var integration) ? null
            : integration.Connect is { } connect ? connect.InstallKeys
            : integration.Keys as IDependencyHealth;

    /// <summary>
    /// Builds every integration from validated options: its keys and token profile come from its scheme's
    /// options (<paramref name="schemes"/>) where the scheme sets them, else from the built-in key sources below.
    /// </summary>
    /// <summary>The health of a Connect integration's tenants (<c>connect-tenants:&lt;name&gt;</c>); null for other integrations.</summary>
    public IDependencyHealth? TenantHealth(string name) =>
        TryGet(name, out var integration) ? integration.Connect?.Tenants : null;

    /// <summary>Builds every integration from validated options.</summary>
    public static IntegrationRegistry Create(
        InboundOptions options,
        ISecretStore secretStore,
        HttpClient jwksHttpClient,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        JiraAuthMetrics? metrics = null,
        IEnumerable<InboundSchemeRegistration>? schemes = null,
        IServiceProvider? services = null,
        Signing.SigningKeyRing? ownKeys = null)
    {
        var schemeOptions = InboundSchemes.Latest(schemes ?? []);
        var context = new InboundSchemeContext
        {
            Inbound = options,
            SecretStore = secretStore,
            KeyFetchClient = jwksHttpClient,
            TimeProvider = timeProvider,
            LoggerFactory = loggerFactory,
            Metrics = metrics,
            Services = services,
        };
        var integrations = new List<Integration>();
        foreach (var (name, settings) in options.Integrations)
        {
            var scheme = schemeOptions.GetValueOrDefault(settings.Verification!.Value)?.Options;
            ISigningKeySource keys = scheme?.CreateKeys(name, settings, context) ?? settings.Verification switch
            {
                // The secret verifies the integration's one HS algorithm (a webhook secret: X-Hub-Signature's HMAC-SHA256).
                VerificationMethod.SharedSecret or VerificationMethod.WebhookSecret => new SharedSecretKeySource(
                    secretStore,
                    settings.SharedSecretName ?? SecretNames.ForIntegration(name),
                    timeProvider,
                    loggerFactory.CreateLogger<SharedSecretKeySource>(),
                    metrics,
                    settings.Verification == VerificationMethod.SharedSecret ? settings.Algorithms[0] : "HS256",
                    options.SharedSecretCache,
                    $"shared-secret:{name}"),
                // The OAuth app's client secret is the HMAC key: the same secret-store reading (versions,
                // current and previous during a rotation, outage bounds) as a shared secret.
                VerificationMethod.OAuthApp => new SharedSecretKeySource(
                    secretStore,
                    JiraAuthFunctions.Jira.JiraSecretNames.ClientSecret(settings.JiraConnection!),
                    timeProvider,
                    loggerFactory.CreateLogger<SharedSecretKeySource>(),
                    metrics,
                    cache: options.SharedSecretCache,
                    name: $"shared-secret:{name}"),
                VerificationMethod.PublicKeys => new StaticKeySource(settings.PublicKeys.Select(PublicKeyParser.Parse)),
                VerificationMethod.Jwks or VerificationMethod.Forge => new JwksKeySource(
                    jwksHttpClient,
                    settings.JwksUri ?? ForgeInvocationToken.ProductionJwksUri,
                    $"jwks:{name}",
                    new RefreshingCacheOptions
                    {
                        RefreshInterval = settings.JwksRefreshInterval,
                        MinRefetchInterval = settings.JwksMinRefetchInterval,
                        MaxStaleness = settings.JwksMaxStaleness,
                        FailureBackoff = options.KeyFetch.FailureBackoff,
                        MaxFailureBackoff = options.KeyFetch.MaxFailureBackoff,
                    },
                    timeProvider,
                    loggerFactory.CreateLogger<JwksKeySource>(),
                    metrics,
                    settings.Verification == VerificationMethod.Forge ? ForgeInvocationToken.Algorithm : settings.JwksRsaAlgorithm),
                // The app's own access tokens (POST /api/oauth/token), verified with its signing keys.
                VerificationMethod.ClientCredentials => new OAuth.OwnKeySource(ownKeys ?? services?.GetService(typeof(Signing.SigningKeyRing)) as Signing.SigningKeyRing ?? throw new InvalidOperationException($"Integration '{name}' verifies the app's own access tokens: pass the signing key ring.")),
                // Connect finds a tenant's secret per call; a scheme without built-in keys brings its own or needs none.
                _ => StaticKeySource.None,
            };
            var connect = settings.Verification == VerificationMethod.Connect
                ? new ConnectApp(
                    name,
                    settings,
                    new ConnectTenants(secretStore, name, timeProvider, loggerFactory.CreateLogger<ConnectTenants>(), options.ConnectTenantCache, metrics),
                    new InstallKeys(jwksHttpClient, settings.InstallKeysBaseUrl, $"install-keys:{name}", options.KeyFetch.FailureBackoff, options.KeyFetch.MaxFailureBackoff, timeProvider, loggerFactory.CreateLogger<InstallKeys>(), metrics))
                : null;
            integrations.Add(new Integration(name, settings, keys, options.ClockSkew, connect, scheme?.Profile(name, settings)));
        }

        return new IntegrationRegistry(integrations);
    }
}
