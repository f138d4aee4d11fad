using JiraAuthFunctions.OAuth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace JiraAuthFunctions.Functions;

/// <summary><c>POST /api/oauth/token</c>: client credentials for rules that cannot sign (RFC 6749 4.4).</summary>
public static class OAuthTokenFunction
{
    public const string Route = "oauth/token";

    [Function("OAuthToken")]
    public static async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request, FunctionContext context)
    {
        await context.Service<TokenEndpoint>().HandleAsync(Invocation.Bind(request, context));
        return Invocation.Written;
    }
}
