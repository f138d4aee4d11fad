using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Tests.Telemetry;

public sealed class QueryTokenRedactionTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

    [Theory]
    [InlineData("/p?jwt=" + Token, "/p?jwt=[redacted]")]
    [InlineData("/p?a=1&jwt=" + Token + "&b=2", "/p?a=1&jwt=[redacted]&b=2")]
    [InlineData("/p?JWT=" + Token + "#f", "/p?JWT=[redacted]#f")]
    [InlineData("POST /p?access_token=" + Token + " HTTP/1.1", "POST /p?access_token=[redacted] HTTP/1.1")]
    [InlineData("Invalid request line: 'POST /p?jwt=" + Token + "...'", "Invalid request line: 'POST /p?jwt=[redacted]'")]
    [InlineData("?jwt=a&access_token=b&jwt=", "?jwt=[redacted]&access_token=[redacted]&jwt=")]
    [InlineData("/p?user_id=5b10a&issue_key=OPS-1", "/p?user_id=5b10a&issue_key=OPS-1")]
    public void Redact_replaces_the_value_of_each_query_token_parameter(string text, string expected)
    {
        Assert.Equal(expected, QueryTokenRedaction.Redact(text));
    }

    [Fact]
    public void Every_logger_from_the_container_redacts_message_state_scope_and_exception_at_any_level()
    {
        var logs = new LogCapture();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddQueryTokenRedaction();
        services.AddSingleton<ILoggerProvider>(logs); // a provider added after the redaction is covered too
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILogger<QueryTokenRedactionTests>>();

        logger.LogTrace("Request starting POST {Path}{QueryString}", "/api/connect/conn/events/x", "?a=1&jwt=" + Token);
        logger.LogDebug(new InvalidOperationException("Invalid request target: '/p?access_token=" + Token + "'"), "bad request data");
        using (logger.BeginScope("Url {Url}", "/p?jwt=" + Token))
        {
            logger.LogInformation("no token here, {Count} values", 3);
        }

        logger.Log(LogLevel.Warning, default, "plain string state /p?jwt=" + Token, null, (s, _) => s);

        var entries = logs.Entries;
        Assert.Equal(4, entries.Count);
        Assert.DoesNotContain(Token, logs.AllText(), StringComparison.Ordinal);
        Assert.Equal("Request starting POST /api/connect/conn/events/x?a=1&jwt=[redacted]", entries[0].Message);
        Assert.Equal("?a=1&jwt=[redacted]", entries[0]["QueryString"]);
        Assert.Equal("/api/connect/conn/events/x", entries[0]["Path"]);
        Assert.Contains("access_token=[redacted]", entries[1].Exception, StringComparison.Ordinal);
        Assert.Contains(nameof(InvalidOperationException), entries[1].Exception, StringComparison.Ordinal);
        Assert.Equal("3", entries[2]["Count"]); // untouched: passed through as logged
        Assert.Equal("plain string state /p?jwt=[redacted]", entries[3].Message);
    }

    [Fact]
    public void A_scope_carrying_a_token_reaches_providers_redacted()
    {
        var scopes = new List<string>();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new ScopeRecorder(scopes)));
        services.AddQueryTokenRedaction();
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("scopes");

        using (logger.BeginScope("Url {Url}", "/p?jwt=" + Token))
        {
        }

        Assert.Equal(["Url /p?jwt=[redacted] | Url=/p?jwt=[redacted]"], scopes);
    }

    private sealed class ScopeRecorder(List<string> scopes) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.Where(p => p.Key != "{OriginalFormat}").Select(p => $"{p.Key}={p.Value}") : [];
            scopes.Add($"{state} | {string.Join(";", values)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }
}
