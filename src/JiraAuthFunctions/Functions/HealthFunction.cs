using JiraAuthFunctions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace JiraAuthFunctions.Functions;

/// <summary><c>GET /api/health</c> (see <see cref="HealthEndpoint"/>); anonymous: it shows states, never a secret.</summary>
public static class HealthFunction
{
    public const string Route = "health";

    [Function("Health")]
    public static async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request, FunctionContext context)
    {
        var http = Invocation.Bind(request, context);

        // A minimal-API result: the worker executes IActionResult only, so it is written here.
        var result = await context.Service<HealthEndpoint>().HandleAsync(http.RequestAborted);
        await result.ExecuteAsync(http);
        return Invocation.Written;
    }
}
