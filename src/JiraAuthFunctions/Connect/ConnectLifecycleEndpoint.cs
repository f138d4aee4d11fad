using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Schemes.Connect;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Connect;

/// <summary>
/// <c>POST /api/connect/{app}/installed</c> and <c>/uninstalled</c>: Atlassian's lifecycle calls.
/// The body is read first (with the size limit), as the payload must match the token; 204 when the
/// tenant was changed, otherwise the same generic rejection as the events endpoint and one log line
/// (event 201) with the reason. Success is logged by <see cref="ConnectLifecycle"/> (events 240-242).
/// </summary>
internal sealed class ConnectLifecycleEndpoint(
    IntegrationRegistry integrations,
    ConnectLifecycle lifecycle,
    IOptions<InboundOptions> options,
    JiraAuthMetrics metrics,
    ILogger<ConnectLifecycleEndpoint> logger)
{
    public const string InstalledRoute = "/api/connect/{app}/installed";
    public const string UninstalledRoute = "/api/connect/{app}/uninstalled";

    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public async Task HandleAsync(HttpContext context, string app, LifecycleEvent lifecycleEvent)
    {
        var requestId = EventsEndpoint.RequestIdOf(context);
        if (!integrations.TryGet(app, out var integration) || integration.Connect is null)
        {
            await RejectAsync(context, app, ReasonCode.UnknownIntegration, CallerInfo.Unknown, requestId);
            return;
        }

        using var body = await EventsEndpoint.ReadBodyAsync(context.Request, _maxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await RejectAsync(context, app, ReasonCode.BodyTooLarge, CallerInfo.Unknown, requestId);
            return;
        }

        var check = await lifecycle.HandleAsync(integration, lifecycleEvent, EventsEndpoint.RequestOf(context, body), context.RequestAborted);
        if (!check.Succeeded)
        {
            await RejectAsync(context, app, check.Reason, check.Caller, requestId);
            return;
        }

        metrics.Decision(app, ReasonCode.Accepted.ToCode(), StatusCodes.Status204NoContent);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        context.Response.Headers.CacheControl = "no-store";
    }

    private Task RejectAsync(HttpContext context, string app, ReasonCode reason, CallerInfo caller, string requestId)
    {
        var status = InboundResponses.StatusCodeFor(reason);
        InboundLog.RequestRejected(logger, CallerInfo.Clip(app)!, status, reason.ToCode(), caller.Kid, caller.Issuer, caller.Subject, caller.JtiHash, requestId);
        metrics.Decision(reason == ReasonCode.UnknownIntegration ? "(unknown)" : app, reason.ToCode(), status);
        return InboundResponses.WriteRejectionAsync(context, reason, requestId);
    }
}
