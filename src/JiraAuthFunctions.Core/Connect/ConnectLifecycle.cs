using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Connect;

/// <summary>The lifecycle calls this app acts on.</summary>
public enum LifecycleEvent
{
    Installed,
    Uninstalled,
}

/// <summary>
/// A Connect lifecycle call: authenticate it (<see cref="ConnectTokenValidator.ValidateLifecycleAsync"/>),
/// check the payload against the token, then change the tenant. Any failed check changes nothing.
/// </summary>
public sealed partial class ConnectLifecycle(ConnectTokenValidator validator, ILogger<ConnectLifecycle> logger)
{
    public const int MaxSharedSecretLength = 1024;

    /// <summary>Handles one call; the reason is <see cref="ReasonCode.Accepted"/> when the tenant was changed.</summary>
    public async ValueTask<TokenCheck> HandleAsync(Integration integration, LifecycleEvent lifecycle, InboundRequest request, CancellationToken cancellationToken = default)
    {
        var (check, verifiedWith) = await validator.ValidateLifecycleAsync(integration, request, cancellationToken).ConfigureAwait(false);
        if (!check.Succeeded)
        {
            return check;
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

        var app = integration.Connect!;
        var context = new List<KeyValuePair<string, string>> { new("connect.clientKey", payload.ClientKey), new("connect.baseUrl", payload.BaseUrl) };
        if (lifecycle == LifecycleEvent.Uninstalled)
        {
            await app.Tenants.DisableAsync(payload.ClientKey, cancellationToken).ConfigureAwait(false);
            Log.Uninstalled(logger, integration.Name, payload.ClientKey, payload.BaseUrl, check.Caller.Algorithm);
            return TokenCheck.Accept(check.Caller with { Context = context });
        }

        var existing = verifiedWith ?? (await app.Tenants.FindAsync(payload.ClientKey, cancellationToken).ConfigureAwait(false)).Tenant;
        await app.Tenants.SaveAsync(new ConnectTenant(payload.ClientKey, payload.BaseUrl, payload.SharedSecret!), cancellationToken).ConfigureAwait(false);
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

    /// <summary>The members of the lifecycle body this app uses (it carries more: key, productType, displayUrl, ...).</summary>
    private sealed record Payload(string ClientKey, string BaseUrl, string? SharedSecret)
    {
        public static Payload? Read(ReadOnlySpan<byte> body, LifecycleEvent lifecycle)
        {
            try
            {
                var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
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

                return new Payload(clientKey, baseUrl!, sharedSecret);
            }
            catch (JsonException)
            {
                return null;
            }
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
