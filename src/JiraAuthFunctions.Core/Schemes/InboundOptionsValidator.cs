using System.Text.Json;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// Checks <see cref="InboundOptions"/> at start. Every rule runs without short-circuiting so one
/// bad deploy shows every mistake, each message naming the full configuration key.
/// </summary>
public sealed class InboundOptionsValidator : IValidateOptions<InboundOptions>
{
    private static readonly HashSet<string> SymmetricAlgorithms = ["HS256", "HS384", "HS512"];
    private static readonly HashSet<string> OAuthAppAlgorithms = ["HS256"];
    private static readonly HashSet<string> AsymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        var errors = new List<string>();
        const string root = InboundOptions.SectionName;

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{root}:ClockSkew must be between 00:00:00 and 00:05:00; it is {options.ClockSkew}.");
        }

        if (options.MaxTokenBytes is < 512 or > 64 * 1024)
        {
            errors.Add($"{root}:MaxTokenBytes must be between 512 and 65536; it is {options.MaxTokenBytes}.");
        }

        if (options.MaxBodyBytes is < 1024 or > 100 * 1024 * 1024)
        {
            errors.Add($"{root}:MaxBodyBytes must be between 1024 and 104857600; it is {options.MaxBodyBytes}.");
        }

        foreach (var (integration, settings) in options.Integrations)
        {
            ValidateIntegration($"{root}:Integrations:{integration}", integration, settings, errors);
        }

        ValidateKeyFetch($"{root}:KeyFetch", options.KeyFetch, errors);
        options.SharedSecretCache.Check($"{root}:SharedSecretCache", errors);
        options.ConnectTenantCache.Check($"{root}:ConnectTenantCache", errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateIntegration(string key, string integration, IntegrationOptions options, List<string> errors)
    {
        if (!IsValidIntegrationName(integration))
        {
            errors.Add($"{key}: the name must be 1-64 lowercase letters, digits or '-', as it is a URL segment.");
        }

        switch (options.Verification)
        {
            case null:
                errors.Add($"{key}:Verification is required: SharedSecret, PublicKeys, Jwks, Connect, OAuthApp, Forge, WebhookSecret or ClientCredentials.");
                ValidateTokenRules(key, options, errors);
                break;
            case VerificationMethod.SharedSecret:
                ValidateTokenRules(key, options, errors);
                ValidateSecretName(key, options, errors);
                break;
            case VerificationMethod.OAuthApp:
                ValidateOAuthAppTokenRules(key, options, errors);
                if (string.IsNullOrWhiteSpace(options.JiraConnection))
                {
                    errors.Add($"{key}:JiraConnection is required for Verification OAuthApp: the name of the Jira:Connections entry whose app registered the webhooks.");
                }
                else if (!IsValidIntegrationName(options.JiraConnection))
                {
                    errors.Add($"{key}:JiraConnection '{options.JiraConnection}' is not a valid connection name: use lowercase letters, digits and '-'.");
                }

                if (options.Replay == ReplayProtection.LongLivedToken)
                {
                    errors.Add($"{key}:Replay LongLivedToken cannot be used with Verification OAuthApp: Jira signs each delivery; use PerRequest.");
                }

                break;
            case VerificationMethod.PublicKeys:
                ValidateTokenRules(key, options, errors);
                if (options.PublicKeys.Count == 0)
                {
                    errors.Add($"{key}:PublicKeys needs at least one key for Verification PublicKeys.");
                }

                for (var i = 0; i < options.PublicKeys.Count; i++)
                {
                    ValidatePublicKey($"{key}:PublicKeys:{i}", options.PublicKeys[i], options.Algorithms, errors);
                }

                break;
            case VerificationMethod.Jwks:
                ValidateTokenRules(key, options, errors);
                if (options.JwksUri is null || !options.JwksUri.IsAbsoluteUri)
                {
                    errors.Add($"{key}:JwksUri is required for Verification Jwks and must be an absolute URL.");
                }

                ValidateJwks(key, options, errors);
                ValidateJwksRsaAlgorithm(key, options, errors);
                break;
            case VerificationMethod.Connect:
                // Tenants bring their own issuer (clientKey) and secret; only the lifetime cap applies of a token's rules.
                if (options.MaxTokenLifetime <= TimeSpan.Zero || options.MaxTokenLifetime > TimeSpan.FromDays(366))
                {
                    errors.Add($"{key}:MaxTokenLifetime must be more than zero and at most 366 days; it is {options.MaxTokenLifetime}.");
                }

                ValidateConnect(key, options, errors);
                break;
            case VerificationMethod.Forge:
                ValidateForge(key, options, errors);
                break;
            case VerificationMethod.WebhookSecret:
                // The webhook carries no token: nothing of a token's rules applies, and setting one
                // would suggest a check that never runs.
                RejectTokenSettings(key, options, "WebhookSecret", "the body's X-Hub-Signature is the only check", errors);
                if (options.RequiredScopes.Count > 0)
                {
                    errors.Add($"{key}:RequiredScopes is not used with Verification WebhookSecret (a webhook has no scopes): remove it.");
                }

                ValidateSecretName(key, options, errors);
                break;
        }

        if (options.Verification == VerificationMethod.ClientCredentials)
        {
            ValidateClientCredentials(key, options, errors);
        }
        else if (options.AllowedScopes.Count > 0 || options.AccessTokenLifetime != TimeSpan.FromMinutes(5))
        {
            errors.Add($"{key}:AllowedScopes and AccessTokenLifetime are only used with Verification ClientCredentials: remove them.");
        }

        if (options.AppId is not null && options.Verification != VerificationMethod.Forge)
        {
            errors.Add($"{key}:AppId is only used with Verification Forge: remove it.");
        }

        if (options.JwksRsaAlgorithm is not null && options.Verification is not (VerificationMethod.Jwks or null))
        {
            errors.Add(options.Verification == VerificationMethod.Forge
                ? $"{key}:JwksRsaAlgorithm is not used with Verification Forge (Forge's keys verify {ForgeInvocationToken.Algorithm}): remove it."
                : $"{key}:JwksRsaAlgorithm is only used with Verification Jwks: remove it.");
        }
    }

    // An RSA key of the set that states no alg is skipped unless this names its algorithm for the whole set.
    private static void ValidateJwksRsaAlgorithm(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.JwksRsaAlgorithm is not { } algorithm)
        {
            return;
        }

        if (!KeyAlgorithms.Rsa.Contains(algorithm))
        {
            errors.Add($"{key}:JwksRsaAlgorithm '{algorithm}' is not an RSA signature algorithm; use one of {KeyAlgorithms.RsaList}.");
        }
        else if (options.Algorithms.Count > 0 && !options.Algorithms.Contains(algorithm, StringComparer.Ordinal))
        {
            errors.Add($"{key}:JwksRsaAlgorithm '{algorithm}' is not one of Algorithms ({string.Join(", ", options.Algorithms)}): keys given it would never verify.");
        }
    }

    // Bearer tokens whose issuer, audience and algorithms the integration configures.
    private static void ValidateTokenRules(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.Issuers.Count == 0 || options.Issuers.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{key}:Issuers needs at least one non-empty issuer.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{key}:Audience is required.");
        }

        ValidateLifetimeAndScopes(key, options, errors);
        ValidateAlgorithms(key, options, errors);
    }

    // Jira's OAuth-app webhook tokens carry no documented iss or aud: for them both are optional
    // (checked when configured); every other scheme must name whom it trusts and for what.
    private static void ValidateOAuthAppTokenRules(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.Issuers.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{key}:Issuers needs at least one non-empty issuer.");
        }

        ValidateLifetimeAndScopes(key, options, errors);
        ValidateAlgorithms(key, options, errors);
    }

    private static void ValidateLifetimeAndScopes(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.MaxTokenLifetime <= TimeSpan.Zero || options.MaxTokenLifetime > TimeSpan.FromDays(366))
        {
            errors.Add($"{key}:MaxTokenLifetime must be more than zero and at most 366 days; it is {options.MaxTokenLifetime}.");
        }

        if (options.RequiredScopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal)))
        {
            errors.Add($"{key}:RequiredScopes entries must be single non-empty words.");
        }
    }

    // Forge fixes issuer, audience and algorithm; the integration names its app and may point at another JWKS.
    private static void ValidateForge(string key, IntegrationOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.AppId))
        {
            errors.Add($"{key}:AppId is required for Verification Forge: the app's id from its manifest, {ForgeInvocationToken.AppIdPrefix}<uuid>.");
        }
        else if (!ForgeInvocationToken.IsAppId(options.AppId))
        {
            errors.Add($"{key}:AppId '{options.AppId}' is not a Forge app id: use {ForgeInvocationToken.AppIdPrefix}<uuid> (lower-case), as in the app's manifest.");
        }

        RejectTokenSettings(key, options, "Forge", $"Forge sets them (issuer {ForgeInvocationToken.Issuer}, audience AppId, {ForgeInvocationToken.Algorithm})", errors);
        ValidateLifetimeAndScopes(key, options, errors);
        if (options.Replay != ReplayProtection.PerRequest)
        {
            errors.Add($"{key}:Replay must be PerRequest for Verification Forge: Forge mints a new token for every call.");
        }

        if (options.JwksUri is not null && !options.JwksUri.IsAbsoluteUri)
        {
            errors.Add($"{key}:JwksUri must be an absolute URL (leave it unset for Forge's production JWKS).");
        }

        ValidateJwks(key, options, errors);
    }

    // The app issues these tokens itself: issuer, audience and algorithm are fixed (ClientCredentialsToken);
    // the integration says which scopes a client may ask for and how long a token lives.
    private static void ValidateClientCredentials(string key, IntegrationOptions options, List<string> errors)
    {
        RejectTokenSettings(key, options, "ClientCredentials", $"the app issues these tokens: issuer {OAuth.ClientCredentialsToken.Issuer}, audience {OAuth.ClientCredentialsToken.AudienceFor("<integration>")}, {OAuth.ClientCredentialsToken.Algorithm}", errors);
        ValidateLifetimeAndScopes(key, options, errors);
        if (options.AllowedScopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal)))
        {
            errors.Add($"{key}:AllowedScopes entries must be single non-empty words.");
        }

        if (options.AllowedScopes.Count > 0 && options.RequiredScopes.FirstOrDefault(r => !options.AllowedScopes.Contains(r, StringComparer.Ordinal)) is { } missing)
        {
            errors.Add($"{key}:AllowedScopes must include every RequiredScopes entry ('{missing}' is missing), or no token the endpoint issues would be accepted.");
        }

        if (options.AccessTokenLifetime < TimeSpan.FromMinutes(1) || options.AccessTokenLifetime > TimeSpan.FromHours(1))
        {
            errors.Add($"{key}:AccessTokenLifetime must be between 00:01:00 and 01:00:00; it is {options.AccessTokenLifetime}.");
        }
        else if (options.AccessTokenLifetime > options.MaxTokenLifetime)
        {
            errors.Add($"{key}:AccessTokenLifetime must be at most MaxTokenLifetime ({options.MaxTokenLifetime}); it is {options.AccessTokenLifetime}.");
        }

        if (options.SharedSecretName is not null)
        {
            errors.Add($"{key}:SharedSecretName is not used with Verification ClientCredentials (the client's secret is {OAuth.ClientId.SecretName("<integration>")}): remove it.");
        }
    }

    private static void RejectTokenSettings(string key, IntegrationOptions options, string method, string why, List<string> errors)
    {
        if (options.Issuers.Count > 0)
        {
            errors.Add($"{key}:Issuers is not used with Verification {method} ({why}): remove it.");
        }

        if (options.Audience is not null)
        {
            errors.Add($"{key}:Audience is not used with Verification {method} ({why}): remove it.");
        }

        if (options.Algorithms.Count > 0)
        {
            errors.Add($"{key}:Algorithms is not used with Verification {method} ({why}): remove it.");
        }
    }

    private static void ValidateSecretName(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.SharedSecretName is not null && !SecretNames.IsValid(options.SharedSecretName))
        {
            errors.Add($"{key}:SharedSecretName '{options.SharedSecretName}' is not a valid secret name: use 1-127 letters, digits and '-'.");
        }
    }

    private static void ValidateJwks(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.JwksUri is { IsAbsoluteUri: true } uri && uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            errors.Add($"{key}:JwksUri must use https (plain http is allowed for loopback only); it is '{uri}'.");
        }

        if (options.JwksRefreshInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{key}:JwksRefreshInterval must be at least 00:01:00.");
        }

        if (options.JwksMinRefetchInterval < TimeSpan.FromSeconds(1) || options.JwksMinRefetchInterval > options.JwksRefreshInterval)
        {
            errors.Add($"{key}:JwksMinRefetchInterval must be at least 00:00:01 and at most JwksRefreshInterval.");
        }

        if (options.JwksMaxStaleness < TimeSpan.FromMinutes(1) || options.JwksMaxStaleness > TimeSpan.FromDays(7))
        {
            errors.Add($"{key}:JwksMaxStaleness must be between 00:01:00 and 7.00:00:00; it is {options.JwksMaxStaleness}.");
        }
    }

    private static void ValidateKeyFetch(string key, KeyFetchOptions options, List<string> errors)
    {
        if (options.FailureBackoff < TimeSpan.FromSeconds(1) || options.FailureBackoff > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{key}:FailureBackoff must be between 00:00:01 and 00:10:00; it is {options.FailureBackoff}.");
        }

        if (options.MaxFailureBackoff < options.FailureBackoff || options.MaxFailureBackoff > TimeSpan.FromHours(1))
        {
            errors.Add($"{key}:MaxFailureBackoff must be at least FailureBackoff and at most 01:00:00; it is {options.MaxFailureBackoff}.");
        }
    }

    // A Connect token's issuer is the tenant's clientKey and its algorithm is fixed by the protocol
    // (RS256 for lifecycle calls, HS256 for requests): settings for bearer tokens would mean nothing
    // here, so they are refused rather than silently ignored.
    private static void ValidateConnect(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.BaseUrl is null || !options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"{key}:BaseUrl is required for Verification Connect: the app descriptor's https baseUrl, e.g. https://<app>.azurewebsites.net/api/connect/<integration>.");
        }
        else if (!string.IsNullOrEmpty(options.BaseUrl.Query) || !string.IsNullOrEmpty(options.BaseUrl.Fragment))
        {
            errors.Add($"{key}:BaseUrl must not have a query or fragment; it is '{options.BaseUrl}'.");
        }
        else if (options.BaseUrl.OriginalString.EndsWith('/'))
        {
            // Signed installs carry the descriptor's baseUrl as aud, compared exactly: write both without the '/'.
            errors.Add($"{key}:BaseUrl must not end with '/' (signed installs name the descriptor's baseUrl as aud, compared exactly: write both without it); it is '{options.BaseUrl}'.");
        }

        if (!options.InstallKeysBaseUrl.IsAbsoluteUri)
        {
            errors.Add($"{key}:InstallKeysBaseUrl must be an absolute URL (default {IntegrationOptions.DefaultInstallKeysBaseUrl}).");
        }
        else if (options.InstallKeysBaseUrl.Scheme != Uri.UriSchemeHttps && !options.InstallKeysBaseUrl.IsLoopback)
        {
            errors.Add($"{key}:InstallKeysBaseUrl must use https (plain http is allowed for loopback only); it is '{options.InstallKeysBaseUrl}'.");
        }

        foreach (var route in options.ContextQshRoutes)
        {
            if (string.IsNullOrEmpty(route) || route[0] != '/' || route.Contains('?', StringComparison.Ordinal))
            {
                errors.Add($"{key}:ContextQshRoutes entries are paths relative to BaseUrl starting with '/', without a query; '{route}' is not.");
            }
        }

        foreach (var (setting, isSet) in new[]
        {
            ("Issuers", options.Issuers.Count > 0),
            ("Audience", options.Audience is not null),
            ("Algorithms", options.Algorithms.Count > 0),
            ("RequiredScopes", options.RequiredScopes.Count > 0),
            ("SharedSecretName", options.SharedSecretName is not null),
            ("PublicKeys", options.PublicKeys.Count > 0),
            ("JwksUri", options.JwksUri is not null),
        })
        {
            if (isSet)
            {
                errors.Add($"{key}:{setting} does not apply to Verification Connect (issuers are tenants' clientKeys, algorithms are fixed by Connect): remove it.");
            }
        }
    }

    // The allow-list must match the verification method: an HS algorithm next to public keys is
    // exactly the algorithm-confusion hole (a public key used as an HMAC secret), so it is refused here.
    private static void ValidateAlgorithms(string key, IntegrationOptions options, List<string> errors)
    {
        if (options.Algorithms.Count == 0 && options.Verification == VerificationMethod.OAuthApp)
        {
            return; // HS256, the one algorithm Jira signs these webhooks with
        }

        if (options.Algorithms.Count == 0)
        {
            errors.Add($"{key}:Algorithms needs at least one algorithm.");
            return;
        }

        // The shared secret is one key, and a key verifies one algorithm (RFC 8725 3.1).
        if (options.Verification == VerificationMethod.SharedSecret && options.Algorithms.Count > 1)
        {
            errors.Add($"{key}:Algorithms must name exactly one algorithm for Verification SharedSecret (the secret verifies that one only); it names {string.Join(", ", options.Algorithms)}.");
        }

        var allowed = options.Verification switch
        {
            VerificationMethod.SharedSecret => SymmetricAlgorithms,
            VerificationMethod.OAuthApp => OAuthAppAlgorithms, // what Atlassian documents: HS256 only
            _ => AsymmetricAlgorithms,
        };
        foreach (var algorithm in options.Algorithms)
        {
            if (!allowed.Contains(algorithm))
            {
                errors.Add($"{key}:Algorithms: '{algorithm}' cannot be used with Verification {options.Verification}; allowed: {string.Join(", ", allowed)}.");
            }
        }
    }

    private static void ValidatePublicKey(string key, PublicKeyOptions options, List<string> allowedAlgorithms, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.Pem) == string.IsNullOrWhiteSpace(options.Jwk))
        {
            errors.Add($"{key}: give exactly one of Pem or Jwk.");
            return;
        }

        try
        {
            var parsed = PublicKeyParser.ParseKey(options, out var jwkAlgorithm);
            if (string.IsNullOrEmpty(parsed.KeyId))
            {
                errors.Add($"{key}:Kid is required (the JWK has no kid either).");
            }

            // Each key verifies one algorithm, named here or by its JWK's alg or EC curve (RFC 8725 3.1).
            var algorithm = PublicKeyParser.AlgorithmOf(options, parsed, jwkAlgorithm, out var error);
            if (algorithm is null)
            {
                errors.Add($"{key}:Algorithm: {error}.");
            }
            else if (allowedAlgorithms.Count > 0 && !allowedAlgorithms.Contains(algorithm, StringComparer.Ordinal))
            {
                errors.Add($"{key}:Algorithm: the key verifies {algorithm}, which is not one of Algorithms ({string.Join(", ", allowedAlgorithms)}).");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or JsonException or System.Security.Cryptography.CryptographicException or NotSupportedException)
        {
            errors.Add($"{key}: the key cannot be read: {ex.Message}");
        }
    }

    internal static bool IsValidIntegrationName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    internal static bool IsSymmetric(string algorithm) => SymmetricAlgorithms.Contains(algorithm);
}
