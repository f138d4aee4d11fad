using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Credentials;
using JiraAuthFunctions.Functions;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moq;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests.Functions;

/// <summary>
/// The isolated worker's [Function] adapters, called as the worker calls them: a Moq
/// <see cref="FunctionContext"/> (invocation id, the app's services) and a real
/// <see cref="HttpContext"/>, over the app's shared registration on a plain host builder
/// (<see cref="HandlerApp.AddJiraAuthFunctions{TBuilder}"/>), with the token check and the sink as seams.
/// </summary>
public sealed class FunctionAdapterTests : IDisposable
{
    private const string InvocationId = "3f1a8f9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));
    private readonly Mock<ITokenValidator> _validator = new(MockBehavior.Strict);
    private readonly Mock<IEventSink> _sink = new();
    private readonly LogCapture _logs = new();

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private IHost Build(Action<IServiceCollection>? seams = null, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DataPath"] = _data });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddJiraAuthFunctions();
        builder.Services.AddSingleton<ILoggerProvider>(_logs);
        builder.Services.AddSingleton(_validator.Object);
        builder.Services.AddSingleton(_sink.Object);
        seams?.Invoke(builder.Services);
        return builder.Build();
    }

    private static FunctionContext Invocation(IServiceProvider services)
    {
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.InvocationId).Returns(InvocationId);
        context.SetupGet(c => c.InstanceServices).Returns(services);
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return context.Object;
    }

    private static HttpRequest Post(IServiceProvider services, string path, string body)
    {
        var http = new DefaultHttpContext { RequestServices = services, TraceIdentifier = "kestrel-connection-id" };
        http.Request.Method = "POST";
        http.Request.Path = path;
        http.Request.ContentType = "application/json";
        http.Request.Headers.Authorization = "Bearer header.payload.signature";
        var bytes = Encoding.UTF8.GetBytes(body);
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        http.Response.Body = new MemoryStream();
        return http.Request;
    }

    private static async Task<JsonElement> ResponseJsonAsync(HttpRequest request)
    {
        await request.HttpContext.Response.CompleteAsync(); // the server's part: flush what the endpoint wrote
        request.HttpContext.Response.Body.Position = 0;
        using var document = JsonDocument.Parse(request.HttpContext.Response.Body);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task An_accepted_event_answers_202_with_the_invocation_id_as_request_id()
    {
        _validator.Setup(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TokenCheck.Accept(CallerInfo.FromToken("kid-1", "jira-rule", "rule-42", "jti-1", "HS256")));
        using var host = Build();
        var request = Post(host.Services, "/api/jira/events/ci", """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1"}}""");

        var result = await EventsFunctions.JiraEvents(request, "ci", Invocation(host.Services));

        Assert.IsType<EmptyResult>(result);
        Assert.Equal(StatusCodes.Status202Accepted, request.HttpContext.Response.StatusCode);
        Assert.Equal(InvocationId, (await ResponseJsonAsync(request)).GetProperty("requestId").GetString());
        _sink.Verify(s => s.AppendAsync(It.Is<AcceptedEvent>(e => e.Integration == "ci"), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(InvocationId, Assert.Single(_logs.WithEventId(EventIds.EventAccepted))["RequestId"]);
    }

    [Fact]
    public async Task A_refused_token_answers_401_with_one_warning_carrying_the_invocation_id()
    {
        _validator.Setup(v => v.ValidateAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TokenCheck.Reject(ReasonCode.BadSignature, CallerInfo.FromToken("kid-1", "jira-rule", "rule-42", "jti-1", "HS256")));
        using var host = Build();
        var request = Post(host.Services, "/api/jira/events/ci", """{"webhookEvent":"jira:issue_updated"}""");

        await EventsFunctions.JiraEvents(request, "ci", Invocation(host.Services));

        Assert.Equal(StatusCodes.Status401Unauthorized, request.HttpContext.Response.StatusCode);
        Assert.Contains("invalid_token", request.HttpContext.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        var decisions = _logs.Entries.Where(e => e.EventId.Id is EventIds.RequestRejected or EventIds.EventAccepted).ToList();
        var line = Assert.Single(decisions);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("bad_signature", line["Reason"]);
        Assert.Equal(InvocationId, line["RequestId"]);
        _sink.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Health_and_jwks_answer_through_their_adapters()
    {
        using var host = Build();
        var health = Get(host.Services, "/api/health");
        var jwks = Get(host.Services, "/api/.well-known/jwks.json");

        await HealthFunction.Run(health, Invocation(host.Services));
        await JwksFunction.Run(jwks, Invocation(host.Services));

        Assert.Equal(StatusCodes.Status200OK, health.HttpContext.Response.StatusCode);
        Assert.True((await ResponseJsonAsync(health)).TryGetProperty("status", out _));
        Assert.Equal(JsonValueKind.Array, (await ResponseJsonAsync(jwks)).GetProperty("keys").ValueKind);
    }

    [Fact]
    public async Task A_timer_run_whose_step_fails_is_a_failed_invocation_with_event_410()
    {
        var store = new Mock<ISecretStore>();
        store.Setup(s => s.GetPropertiesOfSecretVersionsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SecretStoreUnavailableException("vault down (test)"));
        using var host = Build(services => services.AddSingleton(store.Object));

        await Assert.ThrowsAsync<CredentialsJobFailedException>(() => CredentialsTimerFunction.Run(new TimerInfo(), Invocation(host.Services)));

        Assert.Contains(_logs.WithEventId(EventIds.CredentialsJobFailed), e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task A_timer_run_whose_steps_succeed_completes()
    {
        using var host = Build();

        await CredentialsTimerFunction.Run(new TimerInfo(), Invocation(host.Services));

        Assert.Empty(_logs.WithEventId(EventIds.CredentialsJobFailed));
    }

    private static readonly Dictionary<string, string?> TokenClientSettings = new()
    {
        ["Inbound:Integrations:cc:Verification"] = "ClientCredentials",
        ["Inbound:Integrations:cc:RequiredScopes:0"] = "events:write",
    };

    private static HttpRequest PostForm(IServiceProvider services, string form, string? authorization)
    {
        var request = Post(services, "/api/oauth/token", form);
        request.ContentType = "application/x-www-form-urlencoded";
        request.Headers.Authorization = authorization;
        return request;
    }

    [Fact]
    public async Task A_token_request_answers_200_with_an_access_token_and_logs_285_with_the_invocation_id()
    {
        using var host = Build(settings: TokenClientSettings);
        await host.Services.GetRequiredService<JiraAuthFunctions.Signing.SigningKeyRotator>().RunAsync();
        var (secret, stored) = JiraAuthFunctions.OAuth.ClientSecretHash.Create();
        const string ClientId = "cc.0123456789abcdef01234567";
        await host.Services.GetRequiredService<ISecretStore>().SetSecretAsync(JiraAuthFunctions.OAuth.ClientId.SecretName("cc"), stored,
            new SecretAttributes { Tags = new Dictionary<string, string> { [JiraAuthFunctions.OAuth.ClientId.Tag] = ClientId } });
        var request = PostForm(host.Services, $"grant_type=client_credentials&client_id={ClientId}&client_secret={secret}", null);

        var result = await OAuthTokenFunction.Run(request, Invocation(host.Services));

        Assert.IsType<EmptyResult>(result);
        Assert.Equal(StatusCodes.Status200OK, request.HttpContext.Response.StatusCode);
        Assert.Equal("no-store", request.HttpContext.Response.Headers.CacheControl.ToString());
        Assert.Equal("Bearer", (await ResponseJsonAsync(request)).GetProperty("token_type").GetString());
        var issued = Assert.Single(_logs.WithEventId(EventIds.AccessTokenIssued));
        Assert.Equal(InvocationId, issued["RequestId"]);
        Assert.Equal(ClientId, issued["ClientId"]);
        Assert.DoesNotContain(secret, _logs.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_request_answers_401_invalid_client_with_the_basic_challenge_and_logs_286()
    {
        using var host = Build(settings: TokenClientSettings);
        var request = PostForm(host.Services, "grant_type=client_credentials", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("cc.0123456789abcdef01234567:not-the-secret")));

        await OAuthTokenFunction.Run(request, Invocation(host.Services));

        Assert.Equal(StatusCodes.Status401Unauthorized, request.HttpContext.Response.StatusCode);
        Assert.StartsWith("Basic realm=", request.HttpContext.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        var body = await ResponseJsonAsync(request);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Equal(InvocationId, body.GetProperty("requestId").GetString());
        var refused = Assert.Single(_logs.WithEventId(EventIds.TokenRequestRefused));
        Assert.Equal("unknown_client", refused["Reason"]);
        Assert.Equal(InvocationId, refused["RequestId"]);
        _sink.VerifyNoOtherCalls();
    }

    private static HttpRequest Get(IServiceProvider services, string path)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        return http.Request;
    }
}
