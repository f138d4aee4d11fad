namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The one entry point that authenticates an inbound request: it picks the integration's scheme
/// (<see cref="VerificationMethod"/>) and hands the request to it. Bearer-token schemes go to
/// <see cref="ITokenValidator"/>; an unknown integration too, so its answer stays the same as a
/// bad token's.
/// </summary>
public sealed class RequestAuthenticator(IntegrationRegistry integrations, ITokenValidator tokens, Connect.ConnectTokenValidator connect) : IRequestAuthenticator
{
    /// <inheritdoc/>
    public bool NeedsBodyFirst(string integrationName) =>
        integrations.TryGet(integrationName, out var integration) && SignsBody(integration.Verification);

    /// <inheritdoc/>
    public ValueTask<TokenCheck> AuthenticateAsync(string integrationName, InboundRequest request, CancellationToken cancellationToken = default)
    {
        if (!integrations.TryGet(integrationName, out var integration))
        {
            return tokens.ValidateAsync(integrationName, request.Credentials("Bearer"), cancellationToken);
        }

        return integration.Verification switch
        {
            VerificationMethod.Connect => connect.ValidateRequestAsync(integration, request, cancellationToken),
            _ => tokens.ValidateAsync(integrationName, request.Credentials("Bearer"), cancellationToken),
        };
    }

    private static bool SignsBody(VerificationMethod method) => method switch
    {
        _ => false,
    };
}

/// <summary>Authenticates an inbound request by its integration's scheme.</summary>
public interface IRequestAuthenticator
{
    /// <summary>Whether the integration's scheme signs the body, so the body is read (and size-checked) before authentication.</summary>
    bool NeedsBodyFirst(string integrationName);

    /// <summary>The decision for one request; a rejection is a <see cref="TokenCheck"/> with a reason, never an exception.</summary>
    ValueTask<TokenCheck> AuthenticateAsync(string integrationName, InboundRequest request, CancellationToken cancellationToken = default);
}
