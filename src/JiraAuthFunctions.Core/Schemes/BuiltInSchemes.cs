using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The schemes the app ships, one line each: which handler serves integrations of each verification
/// method (docs/adding-a-scheme.md). The host registers them with <c>AddInbound</c>; the CLI's
/// <c>jiraauth check</c> builds the same list, so both pick the same scheme for an integration.
/// </summary>
public static class BuiltInSchemes
{
    public static IReadOnlyList<InboundSchemeRegistration> All { get; } =
    [
        new(VerificationMethod.SharedSecret, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.PublicKeys, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.Jwks, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.OAuthApp, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.Forge, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.ClientCredentials, typeof(BearerScheme), new InboundSchemeOptions()),
        new(VerificationMethod.Connect, typeof(ConnectScheme), new ConnectSchemeOptions()),
        new(VerificationMethod.WebhookSecret, typeof(WebhookSignatureVerifier), new InboundSchemeOptions()),
    ];
}
