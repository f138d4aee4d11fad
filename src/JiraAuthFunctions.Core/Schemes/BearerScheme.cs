using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// <c>Authorization: Bearer &lt;JWT&gt;</c> (RFC 6750): the scheme of every integration whose caller
/// signs a token, whatever its keys (shared secret, public keys, JWKS, Forge's JWKS, an OAuth app's
/// client secret). The token is checked by <see cref="ITokenValidator"/> against the integration's
/// keys and token profile, which its verification method set when the integration was built.
/// </summary>
public sealed class BearerScheme(ITokenValidator tokens) : IInboundScheme
{
    /// <summary>The <c>Authorization</c> scheme name (compared case-insensitively, RFC 9110 11.4).</summary>
    public const string AuthorizationScheme = "Bearer";

    public string Name => AuthorizationScheme;

    public bool SignsBody => false;

    public ValueTask<TokenCheck> AuthenticateAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default) =>
        tokens.ValidateAsync(integration, TokenOf(request), cancellationToken);

    /// <summary>The bearer token of <paramref name="request"/>; null when there is none.</summary>
    public static string? TokenOf(InboundRequest request) => request.Credentials(AuthorizationScheme);
}
