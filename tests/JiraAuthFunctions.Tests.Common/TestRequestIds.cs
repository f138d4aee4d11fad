using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Tests name a request's id with a header, to find its log line or to compare two bodies byte for
/// byte. The app never reads a request id from a request: the standalone host uses ASP.NET Core's
/// identifier and the Functions adapters the invocation id (both <c>HttpContext.TraceIdentifier</c>);
/// this test-only filter sets that identifier from the header before the app sees the request.
/// </summary>
public sealed class TestRequestIds : IStartupFilter
{
    public const string Header = "X-Test-Request-Id";

    public static void AddTo(IServiceCollection services) => services.AddSingleton<IStartupFilter, TestRequestIds>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var id) && id.Count == 1)
            {
                context.TraceIdentifier = id[0]!;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
