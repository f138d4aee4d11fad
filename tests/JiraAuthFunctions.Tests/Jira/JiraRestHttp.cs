using JiraAuthFunctions.Jira;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Tests.Jira;

/// <summary>
/// The HttpClient <see cref="JiraRestClient"/> gets in the app: the host's handlers (pacing, 429 and
/// 503 handling, retries) on the given clock, for tests that build the client by hand.
/// </summary>
internal static class JiraRestHttp
{
    public static HttpClient Create(JiraOptions options, TimeProvider timeProvider, ILoggerFactory? loggers = null)
    {
        var services = new ServiceCollection().AddSingleton(timeProvider).AddSingleton(Options.Create(options));
        if (loggers is not null)
        {
            services.AddSingleton(loggers);
        }

        services.AddLogging();
        services.AddJiraRestClient();
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(nameof(JiraRestClient));
    }
}
