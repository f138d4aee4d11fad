using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Moq;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Schemes;

public sealed class RequestAuthenticatorTests
{
    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer abc", "abc")]
    [InlineData("BEARER   abc  ", "abc")]
    [InlineData("  Bearer abc", "abc")]
    [InlineData("Bearer", null)]
    [InlineData("Bearer ", null)]
    [InlineData("Bearerabc", null)]
    [InlineData("Basic abc", null)]
    [InlineData("JWT abc", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Bearer_credentials_follow_the_scheme_and_one_space(string? header, string? expected) =>
        Assert.Equal(expected, AuthorizationHeader.Credentials(header, "Bearer"));

    [Fact]
    public void Another_scheme_is_read_by_its_own_name() =>
        Assert.Equal("t.o.k", AuthorizationHeader.Credentials("JWT t.o.k", "JWT"));

    [Fact]
    public void A_request_reads_its_authorization_header_through_the_header_lookup()
    {
        var request = new InboundRequest { Method = "POST", Path = "/x", Header = name => name == "Authorization" ? "Bearer tok" : null };

        Assert.Equal("tok", request.Credentials("Bearer"));
        Assert.Null(request.Credentials("JWT"));
    }

    private static readonly IntegrationOptions Bearer = new() { Verification = VerificationMethod.SharedSecret, Algorithms = ["HS256"], Issuers = ["i"], Audience = "a" };
    private static readonly IntegrationOptions Hooks = new() { Verification = VerificationMethod.WebhookSecret };
    private static readonly IntegrationOptions App = new() { Verification = VerificationMethod.Connect };

    private static InboundRequest Request(string path = "/api/jira/events/ci", Func<CancellationToken, ValueTask<ReadOnlyMemory<byte>?>>? readBody = null) =>
        new() { Method = "POST", Path = path, Header = name => name == "Authorization" ? "Bearer tok" : null, ReadBody = readBody };

    private static RequestAuthenticator Authenticator(ITokenValidator tokens, IInboundScheme? hooks = null)
    {
        var registry = new IntegrationRegistry([
            new Integration("ci", Bearer, Mock.Of<ISigningKeySource>(), TimeSpan.Zero),
            new Integration("hooks", Hooks, Mock.Of<ISigningKeySource>(), TimeSpan.Zero),
            new Integration("app", App, StaticKeySource.None, TimeSpan.Zero),
        ]);
        var bearer = new BearerScheme(tokens);
        hooks ??= Mock.Of<IInboundScheme>(MockBehavior.Strict);
        var handlers = new Dictionary<Type, object> { [typeof(BearerScheme)] = bearer, [typeof(IInboundScheme)] = hooks };
        var schemes = new InboundSchemes(
            [
                new(VerificationMethod.SharedSecret, typeof(BearerScheme), new InboundSchemeOptions()),
                new(VerificationMethod.WebhookSecret, typeof(IInboundScheme), new InboundSchemeOptions()),
                // Connect's route, with a handler that must not be reached: the route decides first.
                new(VerificationMethod.Connect, typeof(BearerScheme), new JiraAuthFunctions.Schemes.Connect.ConnectSchemeOptions()),
            ],
            new Services(handlers));
        return new RequestAuthenticator(registry, schemes, tokens);
    }

    private sealed class Services(Dictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }

    [Fact]
    public async Task A_configured_bearer_integration_is_handed_to_its_scheme_resolved_and_is_not_looked_up_again()
    {
        // Strict: the lookup by name is not set up, so a second lookup would fail the test.
        var tokens = new Mock<ITokenValidator>(MockBehavior.Strict);
        tokens.Setup(t => t.ValidateAsync(It.Is<Integration>(i => i.Name == "ci"), "tok", It.IsAny<CancellationToken>())).ReturnsAsync(TokenCheck.Accept(CallerInfo.Unknown));

        Assert.True((await Authenticator(tokens.Object).AuthenticateAsync("ci", InboundSchemeOptions.DefaultEventsRoute, Request())).Succeeded);
        tokens.Verify(t => t.ValidateAsync(It.IsAny<Integration>(), "tok", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task An_unknown_integration_is_answered_by_the_bearer_token_rules()
    {
        var tokens = new Mock<ITokenValidator>(MockBehavior.Strict);
        tokens.Setup(t => t.ValidateAsync("nope", "tok", It.IsAny<CancellationToken>())).ReturnsAsync(TokenCheck.Reject(ReasonCode.UnknownIntegration));

        Assert.Equal(ReasonCode.UnknownIntegration, (await Authenticator(tokens.Object).AuthenticateAsync("nope", InboundSchemeOptions.DefaultEventsRoute, Request())).Reason);
    }

    [Theory]
    [InlineData("ci", JiraAuthFunctions.Schemes.Connect.ConnectScheme.EventsRoute)]
    [InlineData("app", InboundSchemeOptions.DefaultEventsRoute)]
    public async Task An_integration_on_another_schemes_route_is_unknown_and_its_scheme_is_not_asked(string integration, string route)
    {
        var check = await Authenticator(Mock.Of<ITokenValidator>(MockBehavior.Strict)).AuthenticateAsync(integration, route, Request());

        Assert.Equal(ReasonCode.UnknownIntegration, check.Reason);
    }

    [Fact]
    public async Task A_scheme_that_signs_the_body_gets_it_read_first()
    {
        byte[] body = [1, 2, 3];
        var hooks = new Mock<IInboundScheme>(MockBehavior.Strict);
        hooks.SetupGet(h => h.SignsBody).Returns(true);
        hooks.Setup(h => h.AuthenticateAsync(It.Is<Integration>(i => i.Name == "hooks"), It.Is<InboundRequest>(r => r.Body.ToArray().SequenceEqual(body)), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TokenCheck.Accept(CallerInfo.Unknown));

        var check = await Authenticator(Mock.Of<ITokenValidator>(MockBehavior.Strict), hooks.Object)
            .AuthenticateAsync("hooks", InboundSchemeOptions.DefaultEventsRoute, Request(readBody: _ => ValueTask.FromResult<ReadOnlyMemory<byte>?>(body)));

        Assert.True(check.Succeeded);
    }

    [Fact]
    public async Task A_body_too_large_for_a_scheme_that_signs_it_is_refused_before_the_scheme_is_asked()
    {
        var hooks = new Mock<IInboundScheme>(MockBehavior.Strict);
        hooks.SetupGet(h => h.SignsBody).Returns(true);

        var check = await Authenticator(Mock.Of<ITokenValidator>(MockBehavior.Strict), hooks.Object)
            .AuthenticateAsync("hooks", InboundSchemeOptions.DefaultEventsRoute, Request(readBody: _ => ValueTask.FromResult<ReadOnlyMemory<byte>?>(null)));

        Assert.Equal(ReasonCode.BodyTooLarge, check.Reason);
    }
}
