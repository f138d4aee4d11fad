using JiraAuthFunctions.Inbound;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace JiraAuthFunctions.Functions;

/// <summary>
/// Events from Jira: <c>POST /api/jira/events/{integration}</c>, and events to an Atlassian Connect
/// app beneath its base URL. Anonymous on purpose: <see cref="EventsEndpoint"/> authenticates every
/// request itself, and a function key would have to travel in the URL Jira stores and shows.
/// </summary>
public static class EventsFunctions
{
    public const string EventsRoute = "jira/events/{integration}";
    /// <summary><see cref="JiraAuthFunctions.Schemes.Connect.ConnectScheme.EventsRoute"/> without <c>/api/</c>: a trigger's route is a constant.</summary>
    public const string ConnectEventsRoute = "connect/{integration}/events/{*rest}";

    [Function("JiraEvents")]
    public static async Task<IActionResult> JiraEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = EventsRoute)] HttpRequest request, string integration, FunctionContext context)
    {
        await context.Service<EventsEndpoint>().HandleAsync(Invocation.Bind(request, context), integration);
        return Invocation.Written;
    }

    [Function("ConnectEvents")]
    public static async Task<IActionResult> ConnectEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ConnectEventsRoute)] HttpRequest request, string integration, FunctionContext context)
    {
        await context.Service<EventsEndpoint>().HandleAsync(Invocation.Bind(request, context), integration, JiraAuthFunctions.Schemes.Connect.ConnectScheme.EventsRoute);
        return Invocation.Written;
    }
}
