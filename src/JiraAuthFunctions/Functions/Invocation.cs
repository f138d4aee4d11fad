using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace JiraAuthFunctions.Functions;

/// <summary>What every HTTP adapter does before and after calling its endpoint.</summary>
internal static class Invocation
{
    /// <summary>The endpoint has written the response itself; nothing is left for the worker to execute.</summary>
    public static readonly IActionResult Written = new EmptyResult();

    /// <summary>
    /// The request as the endpoints see it, with the invocation id as its identifier (the request id
    /// of responses and log lines), so a decision joins the host's invocation in Application Insights.
    /// </summary>
    public static HttpContext Bind(HttpRequest request, FunctionContext context)
    {
        var http = request.HttpContext;
        http.TraceIdentifier = context.InvocationId;
        return http;
    }

    public static T Service<T>(this FunctionContext context) where T : notnull => context.InstanceServices.GetRequiredService<T>();
}
