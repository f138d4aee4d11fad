using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// How one kind of caller proves who it is (a bearer JWT, Connect's JWT bound to the request, an
/// X-Hub-Signature over the body): the handler half of a scheme, as ASP.NET Core's
/// <c>AuthenticationHandler</c>. One instance serves every integration registered with its
/// <see cref="VerificationMethod"/> (<c>AddInboundScheme</c>); the integration is resolved before
/// it is called and handed over, never looked up again. Adding one: docs/adding-a-scheme.md.
/// </summary>
public interface IInboundScheme
{
    /// <summary>The scheme's name as the docs and a reader of the code call it, e.g. <c>Bearer</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Whether the scheme signs the body. Then the body is read (size-checked, 413 when too large)
    /// before <see cref="AuthenticateAsync"/> and is in <see cref="InboundRequest.Body"/>; otherwise
    /// it is read only once the caller is authenticated, so an unauthenticated caller costs no body read.
    /// </summary>
    bool SignsBody { get; }

    /// <summary>
    /// The decision for one request of <paramref name="integration"/>. A rejection is a
    /// <see cref="TokenCheck"/> with a reason, never an exception; an accepted per-request token's
    /// jti is held (<see cref="TokenCheck.Reservation"/>) for the endpoint to commit or release.
    /// </summary>
    ValueTask<TokenCheck> AuthenticateAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// What a scheme decides at start, before any service exists (the place of ASP.NET Core's
/// <c>AuthenticationSchemeOptions</c>): the route its events arrive on, the checks of an
/// integration's settings, and what an integration of it is built with. The defaults suit a
/// scheme that reads only the shared settings; a scheme derives its own options type to change them.
/// </summary>
/// <remarks>
/// Kept apart from the handler on purpose: the handler takes services (validators, stores) that
/// themselves need the integrations, and the integrations are built from these options. One
/// instance per registration, read-only after start.
/// </remarks>
public class InboundSchemeOptions
{
    /// <summary>The route of every scheme that does not name its own.</summary>
    public const string DefaultEventsRoute = "/api/jira/events/{integration}";

    /// <summary>
    /// The route template its integrations' events arrive on; it must hold <c>{integration}</c>. On
    /// any other events route an integration of this scheme answers as if it did not exist
    /// (<see cref="ReasonCode.UnknownIntegration"/>). Default <see cref="DefaultEventsRoute"/>.
    /// </summary>
    public string EventsRoute { get; init; } = DefaultEventsRoute;

    /// <summary>
    /// Checks at start the settings of one integration of this scheme, adding one message per
    /// mistake that names the full key (<paramref name="key"/> is <c>Inbound:Integrations:&lt;name&gt;</c>).
    /// Runs after the shared checks of <see cref="InboundOptionsValidator"/>, without short-circuiting.
    /// </summary>
    public virtual void Validate(string key, IntegrationOptions settings, ICollection<string> errors)
    {
    }

    /// <summary>
    /// The keys an integration of this scheme verifies with, built once at start; null leaves it to
    /// the built-in key sources of <see cref="IntegrationRegistry"/> (shared secret, public keys,
    /// JWKS), or to none for a scheme that finds its keys per call.
    /// </summary>
    public virtual ISigningKeySource? CreateKeys(string integration, IntegrationOptions settings, InboundSchemeContext context) => null;

    /// <summary>
    /// The issuers, audience and algorithms a scheme fixes for its tokens (as Forge does); null: the
    /// integration's own <c>Issuers</c>, <c>Audience</c> and <c>Algorithms</c> settings.
    /// </summary>
    public virtual TokenProfile? Profile(string integration, IntegrationOptions settings) => null;
}

/// <summary>What a scheme's options may build an integration's keys with at start.</summary>
public sealed class InboundSchemeContext
{
    public required InboundOptions Inbound { get; init; }

    public required ISecretStore SecretStore { get; init; }

    /// <summary>The long-lived client for key fetches (JWKS, install keys): pooled connections recycled for DNS changes.</summary>
    public required HttpClient KeyFetchClient { get; init; }

    public required TimeProvider TimeProvider { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public JiraAuthMetrics? Metrics { get; init; }

    /// <summary>The app's services, for a key source that needs one of them (e.g. the app's own signing keys); null in tests that build integrations by hand.</summary>
    public IServiceProvider? Services { get; init; }
}

/// <summary>The issuers, audience and algorithms a token of an integration is checked against.</summary>
public sealed record TokenProfile(IReadOnlyList<string> Issuers, string? Audience, IReadOnlyList<string> Algorithms);

/// <summary>One <c>AddInboundScheme</c> line: which handler and options serve integrations of <see cref="Verification"/>.</summary>
public sealed class InboundSchemeRegistration
{
    public InboundSchemeRegistration(VerificationMethod verification, Type handlerType, InboundSchemeOptions options)
    {
        if (!typeof(IInboundScheme).IsAssignableFrom(handlerType))
        {
            throw new ArgumentException($"{handlerType} does not implement {nameof(IInboundScheme)}.", nameof(handlerType));
        }

        Verification = verification;
        HandlerType = handlerType;
        Options = options;
    }

    public VerificationMethod Verification { get; }

    public Type HandlerType { get; }

    public InboundSchemeOptions Options { get; }
}
