using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The one entry point that authenticates an inbound request: it resolves the integration once,
/// picks its scheme (<see cref="InboundSchemes"/>, by <see cref="Integration.Verification"/>),
/// reads the body first when the scheme signs it, and hands both to the scheme. An unknown
/// integration is answered as a bad bearer token would be, so names cannot be enumerated.
/// </summary>
public sealed class RequestAuthenticator(IntegrationRegistry integrations, InboundSchemes schemes, ITokenValidator tokens) : IRequestAuthenticator
{
    /// <inheritdoc/>
    public async ValueTask<TokenCheck> AuthenticateAsync(string integrationName, string route, InboundRequest request, CancellationToken cancellationToken = default)
    {
        if (!integrations.TryGet(integrationName, out var integration))
        {
            // Missing or oversized bearer token first, then unknown_integration: as for a configured bearer integration.
            return await tokens.ValidateAsync(integrationName, BearerScheme.TokenOf(request), cancellationToken).ConfigureAwait(false);
        }

        // On another scheme's route the integration does not exist (a Connect app's events come only under its base URL).
        if (!schemes.TryGet(integration.Verification, out var scheme) || !string.Equals(scheme.Options.EventsRoute, route, StringComparison.Ordinal))
        {
            return TokenCheck.Reject(ReasonCode.UnknownIntegration);
        }

        if (scheme.Handler.SignsBody && !await request.BufferBodyAsync(cancellationToken).ConfigureAwait(false))
        {
            return TokenCheck.Reject(ReasonCode.BodyTooLarge);
        }

        return await scheme.Handler.AuthenticateAsync(integration, request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Authenticates an inbound request by its integration's scheme.</summary>
public interface IRequestAuthenticator
{
    /// <summary>
    /// The decision for one request that came by <paramref name="route"/> (a route template, e.g.
    /// <see cref="InboundSchemeOptions.DefaultEventsRoute"/>). A scheme that signs the body has it
    /// read first (<see cref="InboundRequest.BufferBodyAsync"/>; too large: <see cref="ReasonCode.BodyTooLarge"/>).
    /// A rejection is a <see cref="TokenCheck"/> with a reason, never an exception.
    /// </summary>
    ValueTask<TokenCheck> AuthenticateAsync(string integrationName, string route, InboundRequest request, CancellationToken cancellationToken = default);
}
