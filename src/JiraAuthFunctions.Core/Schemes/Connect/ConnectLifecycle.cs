using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>The lifecycle calls this app acts on.</summary>
public enum LifecycleEvent
{
    Installed,
    Uninstalled,
}

/// <summary>
/// A Connect lifecycle call: authenticate it (<see cref="ConnectTokenValidator.ValidateLifecycleAsync"/>:
/// Atlassian's RS256 signature only), check the payload against the token, use the token up, then
/// change the tenant. Any failed check changes nothing and uses nothing up.
/// </summary>
public sealed partial class ConnectLifecycle(ConnectTokenValidator validator, IReplayCache replayCache, ILogger<ConnectLifecycle> logger)
{
    public const int MaxSharedSecretLength = 1024;

    /// <summary>Handles one call; the reason is <see cref="ReasonCode.Accepted"/> when the tenant was changed.</summary>
    public async ValueTask<TokenCheck> HandleAsync(Integration integration, LifecycleEvent lifecycle, InboundRequest request, CancellationToken cancellationToken = default)
    {
        var check = await validator.ValidateLifecycleAsync(integration, request, cancellationToken).ConfigureAwait(false);
        if (!check.Succeeded)
        {
            return check;
        }

        // After the token, as for events: the answer to an unauthenticated caller does not depend on the body's type.
        if (!JsonMediaType.Matches(request.Header("Content-Type")))
        {
            return TokenCheck.Reject(ReasonCode.UnsupportedMediaType, check.Caller);
        }

        var payload = Payload.Read(request.Body.Span, lifecycle);
        if (payload is null)
        {
            return TokenCheck.Reject(ReasonCode.InvalidLifecyclePayload, check.Caller);
        }

        // The token's issuer is the tenant Atlassian vouches for; the body is not signed, so it
        // must name the same tenant (else a signed call for one site could install another).
        if (!string.Equals(payload.ClientKey, check.Caller.Issuer, StringComparison.Ordinal) || payload.ClientKey.Length > CallerInfo.MaxLength)
        {
            return TokenCheck.Reject(ReasonCode.ClientKeyMismatch, check.Caller);
        }

        var used = await UseUpAsync(integration, request, check.Caller.ExpiresOn!.Value + integration.ClockSkew, cancellationToken).ConfigureAwait(false);
        if (used != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(used, check.Caller);
        }

        var app = integration.Connect!;
        var context = new List<KeyValuePair<string, string>> { new("connect.clientKey", payload.ClientKey), new("connect.baseUrl", payload.BaseUrl) };
        if (lifecycle == LifecycleEvent.Uninstalled)
        {
            await app.Tenants.DisableAsync(payload.ClientKey, cancellationToken).ConfigureAwait(false);
            Log.Uninstalled(logger, integration.Name, payload.ClientKey, payload.BaseUrl, check.Caller.Algorithm);
            return TokenCheck.Accept(check.Caller with { Context = context });
        }

        var existing = (await app.Tenants.FindAsync(payload.ClientKey, cancellationToken).ConfigureAwait(false)).Tenant;
        await app.Tenants.SaveAsync(new ConnectTenant(payload.ClientKey, payload.BaseUrl, payload.SharedSecret!, payload.Installation), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            Log.Installed(logger, integration.Name, payload.ClientKey, payload.BaseUrl, check.Caller.Algorithm);
        }
        else
        {
            Log.Reinstalled(logger, integration.Name, payload.ClientKey, payload.BaseUrl, check.Caller.Algorithm, existing.SharedSecret != payload.SharedSecret);
        }

        return TokenCheck.Accept(check.Caller with { Context = context });
    }

    /// <summary>
    /// The replay-store key of a lifecycle token: <c>lifecycle:</c> and the hex SHA-256 of its signed
    /// part (header and payload). The signature is left out on purpose: another spelling of the same
    /// signature (base64url's unused trailing bits) must not make the token new again. The prefix keeps
    /// these keys apart from request jtis in the same store.
    /// </summary>
    public static string ReplayKeyOf(string token) =>
        "lifecycle:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token[..token.LastIndexOf('.')])));

    // A signed install token carries no jti and its qsh covers the URL, not the body: within its
    // lifetime a captured one could carry another shared secret (or a stale uninstall) to the same
    // URL. Each is accepted once, remembered until its exp plus the skew in the shared replay store,
    // so the refusal holds on every instance. Recorded only after every check passed: a call refused
    // for its body does not use up the token Atlassian's own call still needs.
    private async ValueTask<ReasonCode> UseUpAsync(Integration integration, InboundRequest request, DateTimeOffset rememberUntil, CancellationToken cancellationToken)
    {
        try
        {
            var first = await replayCache.TryAddAsync(integration.Name, ReplayKeyOf(request.Credentials("JWT")!), rememberUntil, cancellationToken).ConfigureAwait(false);
            return first ? ReasonCode.Accepted : ReasonCode.ReplayedLifecycleToken;
        }
        catch (ReplayStoreUnavailableException)
        {
            // Logged by the store (event 600); a check that did not run must never accept.
            return ReasonCode.ReplayCheckUnavailable;
        }
    }

    /// <summary>The members of the lifecycle body this app uses; an install's other string members are kept as <see cref="ConnectInstallation"/>.</summary>
    internal sealed record Payload(string ClientKey, string BaseUrl, string? SharedSecret, ConnectInstallation? Installation)
    {
        // Kept apart (clientKey, baseUrl, sharedSecret) or about the call rather than the site (eventType).
        private static readonly HashSet<string> NotInInstallation = new(StringComparer.Ordinal) { "clientKey", "baseUrl", "sharedSecret", "eventType" };

        public static Payload? Read(ReadOnlySpan<byte> body, LifecycleEvent lifecycle)
        {
            // RFC 8259: JSON text is UTF-8; the parser leaves bytes inside strings to GetString, which would throw.
            if (!System.Text.Unicode.Utf8.IsValid(body))
            {
                return null;
            }

            try
            {
                var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || HasRepeatedMember(root))
                {
                    return null;
                }

                var clientKey = StringOf(root, "clientKey");
                var baseUrl = StringOf(root, "baseUrl");
                var sharedSecret = StringOf(root, "sharedSecret");
                var eventType = StringOf(root, "eventType");
                var expected = lifecycle == LifecycleEvent.Installed ? "installed" : "uninstalled";
                if (string.IsNullOrEmpty(clientKey) ||
                    !Uri.TryCreate(baseUrl, UriKind.Absolute, out var site) || site.Scheme != Uri.UriSchemeHttps ||
                    (eventType is not null && eventType != expected) ||
                    (lifecycle == LifecycleEvent.Installed && (string.IsNullOrEmpty(sharedSecret) || sharedSecret.Length > MaxSharedSecretLength)))
                {
                    return null;
                }

                ConnectInstallation? installation = null;
                if (lifecycle == LifecycleEvent.Installed)
                {
                    installation = InstallationOf(root);
                    if (installation is null)
                    {
                        return null;
                    }
                }

                return new Payload(clientKey, baseUrl!, sharedSecret, installation);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // InvalidOperationException: a string with an escaped lone surrogate ("\ud800"), which is
                // JSON but no .NET string; no honest payload has one, and a tenant's value could not store it.
                return null;
            }
        }

        // Which of two clientKeys or sharedSecrets counts is where parsers disagree: neither is taken.
        private static bool HasRepeatedMember(JsonElement root)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in root.EnumerateObject())
            {
                if (!names.Add(member.Name))
                {
                    return true;
                }
            }

            return false;
        }

        // Null when the members are more than a tenant's stored value can hold.
        private static ConnectInstallation? InstallationOf(JsonElement root)
        {
            var members = new Dictionary<string, string>(StringComparer.Ordinal);
            var chars = 0;
            foreach (var member in root.EnumerateObject())
            {
                if (member.Value.ValueKind == JsonValueKind.String && !NotInInstallation.Contains(member.Name))
                {
                    var value = member.Value.GetString()!;
                    chars += member.Name.Length + value.Length;
                    members[member.Name] = value; // a repeated name: the last, as TryGetProperty reads it
                }
            }

            return chars > ConnectInstallation.MaxChars ? null : new ConnectInstallation(members);
        }

        private static string? StringOf(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectTenantInstalled, LogLevel.Information,
            "Connect tenant {ClientKey} ({SiteUrl}) installed {Integration}; signed with {Algorithm}.", EventName = "ConnectTenantInstalled")]
        public static partial void Installed(ILogger logger, string integration, string clientKey, string siteUrl, string? algorithm);

        [LoggerMessage(EventIds.ConnectTenantReinstalled, LogLevel.Information,
            "Connect tenant {ClientKey} ({SiteUrl}) reinstalled {Integration}; signed with {Algorithm}; shared secret rotated: {SecretRotated}.", EventName = "ConnectTenantReinstalled")]
        public static partial void Reinstalled(ILogger logger, string integration, string clientKey, string siteUrl, string? algorithm, bool secretRotated);

        [LoggerMessage(EventIds.ConnectTenantUninstalled, LogLevel.Information,
            "Connect tenant {ClientKey} ({SiteUrl}) uninstalled {Integration}; its secret is disabled. Signed with {Algorithm}.", EventName = "ConnectTenantUninstalled")]
        public static partial void Uninstalled(ILogger logger, string integration, string clientKey, string siteUrl, string? algorithm);
    }
}
