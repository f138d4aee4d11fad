namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The one entry point that authenticates an inbound request: it picks the integration's scheme
/// (<see cref="VerificationMethod"/>) and hands the request to it. Bearer-token schemes go to
/// <see cref="ITokenValidator"/>; an unknown integration too, so its answer stays the same as a
/// bad token's. Forge invocation tokens and an OAuth app's webhook tokens are bearer tokens too (TokenValidator with Forge's profile);
/// a webhook secret signs the body (<see cref="WebhookSignatureVerifier"/>).
/// </summary>
public sealed class RequestAuthenticator(IntegrationRegistry integrations, ITokenValidator tokens, Connect.ConnectTokenValidator connect, WebhookSignatureVerifier webhooks) : IRequestAuthenticator
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
            VerificationMethod.WebhookSecret => webhooks.VerifyAsync(integration, request, cancellationToken),

            // SharedSecret, PublicKeys, Jwks, Forge, and an OAuth app's dynamic webhooks (HS256 with its
            // client secret): bearer JWTs with the foundation's checks and the integration's claim policy.
            _ => tokens.ValidateAsync(integrationName, request.Credentials("Bearer"), cancellationToken),
        };
    }

    private static bool SignsBody(VerificationMethod method) => method switch
    {
        VerificationMethod.WebhookSecret => true,
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
