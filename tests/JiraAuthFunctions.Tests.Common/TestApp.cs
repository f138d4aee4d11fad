using JiraAuthFunctions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// The real app on real Kestrel at 127.0.0.1 on a free port, with its own temporary data folder
/// and every log entry captured. Settings are given as configuration keys, e.g.
/// <c>["Inbound:Integrations:x:Audience"] = "..."</c>; they add to the embedded defaults.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, string dataPath, LogCapture logs)
    {
        _app = app;
        DataPath = dataPath;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public string DataPath { get; }
    public LogCapture Logs { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var args = new List<string> { "--urls=http://127.0.0.1:0", $"--DataPath={dataPath}", "--Logging:LogLevel:Default=Debug" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            args.Add($"--{key}={value}");
        }

        var logs = new LogCapture();
        var app = HandlerApp.Build(args.ToArray(), services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            TestRequestIds.AddTo(services);
            configureServices?.Invoke(services);
        });
        await app.StartAsync();
        return new TestApp(app, dataPath, logs);
    }

    /// <summary>Configuration keys for an HS256 integration whose secret the test puts in the store.</summary>
    public static Dictionary<string, string?> SharedSecretIntegration(string name, string replay = "PerRequest", string algorithms = "HS256", string scopes = "events:write", string maxLifetime = "01:00:00")
    {
        var prefix = $"Inbound:Integrations:{name}";
        var settings = new Dictionary<string, string?>
        {
            [$"{prefix}:Verification"] = "SharedSecret",
            [$"{prefix}:Issuers:0"] = TestTokens.Issuer,
            [$"{prefix}:Audience"] = TestTokens.Audience,
            [$"{prefix}:RequiredScopes:0"] = scopes,
            [$"{prefix}:MaxTokenLifetime"] = maxLifetime,
            [$"{prefix}:Replay"] = replay,
        };
        var i = 0;
        foreach (var alg in algorithms.Split(','))
        {
            settings[$"{prefix}:Algorithms:{i++}"] = alg;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
