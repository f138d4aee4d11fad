using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>
/// Events from a tenant's Jira to an Atlassian Connect app: a JWT in <c>Authorization: JWT ...</c>
/// or the <c>jwt</c> query parameter, signed with the tenant's shared secret and bound to the
/// request by its <c>qsh</c> (<see cref="ConnectTokenValidator.ValidateRequestAsync"/>). Lifecycle
/// calls (installed, uninstalled) have their own endpoint (<see cref="ConnectLifecycle"/>).
/// </summary>
public sealed class ConnectScheme(ConnectTokenValidator validator) : IInboundScheme
{
    /// <summary>
    /// Where a Connect app's events arrive: beneath its base URL <c>/api/connect/{integration}</c>, as the
    /// descriptor's webhooks and post functions use URLs relative to it under <c>/events/</c>.
    /// </summary>
    public const string EventsRoute = "/api/connect/{integration}/events/{*rest}";

    public string Name => "Connect";

    public bool SignsBody => false;

    public ValueTask<TokenCheck> AuthenticateAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default) =>
        validator.ValidateRequestAsync(integration, request, cancellationToken);
}

/// <summary>A Connect app answers on its own routes only (<see cref="ConnectScheme.EventsRoute"/>), and only Connect apps answer there.</summary>
public sealed class ConnectSchemeOptions : InboundSchemeOptions
{
    public ConnectSchemeOptions()
    {
        EventsRoute = ConnectScheme.EventsRoute;
    }
}
