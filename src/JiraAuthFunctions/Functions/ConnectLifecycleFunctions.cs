using JiraAuthFunctions.Connect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Functions;

/// <summary>Atlassian Connect lifecycle calls beneath the app's base URL <c>/api/connect/{app}</c> (a Connect base URL cannot carry a function key).</summary>
public static class ConnectLifecycleFunctions
{
    public const string InstalledRoute = "connect/{app}/installed";
    public const string UninstalledRoute = "connect/{app}/uninstalled";

    [Function("ConnectInstalled")]
    public static async Task<IActionResult> Installed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = InstalledRoute)] HttpRequest request, string app, FunctionContext context)
    {
        await context.Service<ConnectLifecycleEndpoint>().HandleAsync(Invocation.Bind(request, context), app, LifecycleEvent.Installed);
        return Invocation.Written;
    }

    [Function("ConnectUninstalled")]
    public static async Task<IActionResult> Uninstalled(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = UninstalledRoute)] HttpRequest request, string app, FunctionContext context)
    {
        await context.Service<ConnectLifecycleEndpoint>().HandleAsync(Invocation.Bind(request, context), app, LifecycleEvent.Uninstalled);
        return Invocation.Written;
    }
}
