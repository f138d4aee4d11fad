using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests;

/// <summary>
/// The app in memory (TestServer) with its two seams replaced: the validator answers what a test
/// tells it, the sink is a Moq mock. Everything between them (routing, body checks, responses,
/// logging) is the app's own.
/// </summary>
public sealed class HandlerFactory : WebApplicationFactory<Program>
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));

    public Mock<ITokenValidator> Validator { get; } = new(MockBehavior.Strict);
    public Mock<IEventSink> Sink { get; } = new();
    public LogCapture Logs { get; } = new();
    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>Extra registrations after the app's own (e.g. a telemetry exporter).</summary>
    public Action<IServiceCollection>? ExtraServices { get; set; }

    /// <summary>The validator accepts every token as from this caller.</summary>
    public HandlerFactory AcceptingTokens()
    {
        var accepted = TokenCheck.Accept(CallerInfo.FromToken("kid-1", "jira-rule", "rule-42", "jti-1", "HS256"));
        Validator.Setup(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(accepted);
        Validator.Setup(v => v.ValidateAsync(It.IsAny<Integration>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(accepted);
        return this;
    }

    public HandlerFactory Rejecting(ReasonCode reason)
    {
        // Both ways in: by name (an integration the test did not configure) and resolved (a configured one, through its scheme).
        var rejected = TokenCheck.Reject(reason, CallerInfo.FromToken("kid-1", "jira-rule", "rule-42", "jti-1", "HS256"));
        Validator.Setup(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(rejected);
        Validator.Setup(v => v.ValidateAsync(It.IsAny<Integration>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(rejected);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("DataPath", _dataPath);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Validator.Object);
            services.AddSingleton(Sink.Object);
            services.AddSingleton<ILoggerProvider>(Logs);
            TestRequestIds.AddTo(services);
            ExtraServices?.Invoke(services);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }
}
