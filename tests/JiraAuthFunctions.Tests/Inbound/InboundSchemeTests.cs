using System.Net;
using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// A scheme added the way docs/adding-a-scheme.md says: one handler, one options type, one
/// <c>AddInboundScheme</c> line. Driven through the real events endpoint (routing, the one
/// authenticator call, body checks, sink), with nothing of the app edited for it.
/// </summary>
public sealed class InboundSchemeTests : IAsyncLifetime
{
    // A real scheme adds its member to VerificationMethod so configuration can name it; the test stands one in.
    private const VerificationMethod Tiny = (VerificationMethod)1000;
    private const string Webhook = """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1"}}""";
    private readonly HandlerFactory _factory = new();

    public Task InitializeAsync()
    {
        _factory.ExtraServices = services =>
        {
            services.AddInboundScheme<TinyScheme>(Tiny, new TinySchemeOptions());
            services.Configure<InboundOptions>(o => o.Integrations["tiny"] = new IntegrationOptions { Verification = Tiny, Audience = "open-sesame" });
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static HttpRequestMessage Post(string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/tiny") { Content = new StringContent(Webhook, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(TinyScheme.KeyHeader, key);
        }

        return request;
    }

    [Fact]
    public async Task A_registered_scheme_authenticates_its_integrations_requests_and_the_event_is_stored()
    {
        var client = _factory.CreateClient();

        using var response = await client.SendAsync(Post("open-sesame"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        _factory.Sink.Verify(s => s.AppendAsync(It.Is<AcceptedEvent>(e => e.Integration == "tiny" && e.Caller.Subject == "tiny-caller"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_registered_scheme_refuses_with_its_reason_and_nothing_is_stored()
    {
        var client = _factory.CreateClient();

        using var response = await client.SendAsync(Post("wrong"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("bad_signature", _factory.Logs.WithEventId(EventIds.RequestRejected).Single()["Reason"]);
        _factory.Sink.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_scheme_that_signs_the_body_sees_it_and_the_endpoint_still_stores_it()
    {
        _factory.ExtraServices += services => services.AddSingleton(new TinyScheme { SignsBody = true });
        var client = _factory.CreateClient();

        using var response = await client.SendAsync(Post("open-sesame"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        _factory.Sink.Verify(s => s.AppendAsync(It.Is<AcceptedEvent>(e => e.Integration == "tiny" && e.Caller.Issuer == "body-seen"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_scheme_that_signs_the_body_is_not_asked_about_a_body_over_the_limit_which_gets_413()
    {
        _factory.Settings["Inbound:MaxBodyBytes"] = "1024";
        _factory.ExtraServices += services => services.AddSingleton(new TinyScheme { SignsBody = true });
        var client = _factory.CreateClient();
        var request = Post("open-sesame");
        request.Content = new StringContent("""{"webhookEvent":"x","pad":" """ + new string('a', 2000) + "\"}", Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", _factory.Logs.WithEventId(EventIds.RequestRejected).Single()["Reason"]);
        _factory.Sink.VerifyNoOtherCalls();
    }

    /// <summary>
    /// The whole handler of a scheme: a header must carry the integration's key (kept in Audience for
    /// the test); one that signs the body refuses an empty one, as a signature over other bytes fails.
    /// </summary>
    private sealed class TinyScheme : IInboundScheme
    {
        public const string KeyHeader = "X-Tiny-Key";

        public string Name => "Tiny";

        public bool SignsBody { get; init; }

        public ValueTask<TokenCheck> AuthenticateAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(request.Header(KeyHeader) != integration.Audience || (SignsBody && request.Body.IsEmpty)
                ? TokenCheck.Reject(ReasonCode.BadSignature)
                : TokenCheck.Accept(new CallerInfo(null, request.Body.IsEmpty ? null : "body-seen", "tiny-caller", null, null)));
    }

    /// <summary>The scheme's options: its own check of the integration's settings, run at start.</summary>
    private sealed class TinySchemeOptions : InboundSchemeOptions
    {
        public override void Validate(string key, IntegrationOptions settings, ICollection<string> errors)
        {
            if (string.IsNullOrEmpty(settings.Audience))
            {
                errors.Add($"{key}:Audience is required for the tiny scheme.");
            }
        }
    }
}
