using JiraAuthFunctions.Signing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Functions;

/// <summary><c>GET /api/.well-known/jwks.json</c>: the public keys of the app's own signing keys.</summary>
public static class JwksFunction
{
    public const string Route = ".well-known/jwks.json";

    [Function("Jwks")]
    public static async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request, FunctionContext context)
    {
        await SigningServiceCollectionExtensions.WriteJwksAsync(Invocation.Bind(request, context), context.Service<SigningKeyRing>(), context.Service<IOptions<SigningKeyOptions>>());
        return Invocation.Written;
    }
}
