using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using Moq;

namespace JiraAuthFunctions.Core.Tests.Inbound;

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

    [Fact]
    public async Task A_configured_bearer_integration_and_an_unknown_one_both_go_to_the_token_validator()
    {
        var tokens = new Mock<ITokenValidator>(MockBehavior.Strict);
        tokens.Setup(t => t.ValidateAsync("ci", "tok", It.IsAny<CancellationToken>())).ReturnsAsync(TokenCheck.Accept(CallerInfo.Unknown));
        tokens.Setup(t => t.ValidateAsync("nope", "tok", It.IsAny<CancellationToken>())).ReturnsAsync(TokenCheck.Reject(ReasonCode.UnknownIntegration));
        var registry = new IntegrationRegistry([new Integration("ci", new IntegrationOptions { Verification = VerificationMethod.SharedSecret, Algorithms = ["HS256"], Issuers = ["i"], Audience = "a" }, Mock.Of<ISigningKeySource>(), TimeSpan.Zero)]);
        var authenticator = new RequestAuthenticator(registry, tokens.Object, new JiraAuthFunctions.Connect.ConnectTokenValidator(Microsoft.Extensions.Options.Options.Create(new InboundOptions()), TimeProvider.System), new WebhookSignatureVerifier());
        var request = new InboundRequest { Method = "POST", Path = "/api/jira/events/ci", Header = name => name == "Authorization" ? "Bearer tok" : null };

        Assert.True((await authenticator.AuthenticateAsync("ci", request)).Succeeded);
        Assert.Equal(ReasonCode.UnknownIntegration, (await authenticator.AuthenticateAsync("nope", request)).Reason);
        Assert.False(authenticator.NeedsBodyFirst("ci"));
        Assert.False(authenticator.NeedsBodyFirst("nope"));
    }
}
