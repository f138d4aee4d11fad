using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.Tests;

/// <summary>What a caller learns from a rejection: the RFC 6750 status and challenge, never which check failed.</summary>
public sealed class ResponsesTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aGUtY2FsbGVyIn0.c2lnbmF0dXJlLWJ5dGVz";

    private static async Task<(HttpResponseMessage Response, string Body)> SendAsync(HandlerFactory factory, string? token = Token)
    {
        var client = factory.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/ci")
        {
            Content = new StringContent("""{"webhookEvent":"jira:issue_updated"}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Headers.Add(TestRequestIds.Header, "same-id");
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<ReasonCode> Unauthorized => new()
    {
        ReasonCode.TokenTooLarge, ReasonCode.MalformedToken, ReasonCode.DuplicateMember, ReasonCode.EncryptedToken,
        ReasonCode.AlgorithmNotAllowed, ReasonCode.ForbiddenHeader, ReasonCode.UnknownCriticalHeader,
        ReasonCode.UnknownIntegration, ReasonCode.UnknownKid, ReasonCode.BadSignature, ReasonCode.MissingClaim,
        ReasonCode.InvalidIssuer, ReasonCode.InvalidAudience, ReasonCode.TokenExpired, ReasonCode.TokenNotYetValid,
        ReasonCode.IssuedInFuture, ReasonCode.LifetimeExceeded, ReasonCode.MissingJti, ReasonCode.ReplayedJti,
        ReasonCode.RevokedToken, ReasonCode.QshMismatch, ReasonCode.UnknownTenant, ReasonCode.ContextQshNotAllowed,
        ReasonCode.ClientKeyMismatch, ReasonCode.SharedSecretLifecycle, ReasonCode.ReplayedLifecycleToken,
    };

    [Theory]
    [MemberData(nameof(Unauthorized))]
    public async Task Every_authentication_failure_looks_the_same_on_the_wire(ReasonCode reason)
    {
        await using var expired = new HandlerFactory().Rejecting(ReasonCode.TokenExpired);
        await using var factory = new HandlerFactory().Rejecting(reason);

        var (reference, referenceBody) = await SendAsync(expired);
        var (response, body) = await SendAsync(factory);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            "Bearer realm=\"jira-auth-functions\", error=\"invalid_token\", error_description=\"The access token is invalid.\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(reference.Headers.WwwAuthenticate.ToString(), response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(referenceBody, body);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.DoesNotContain(reason.ToCode(), body, StringComparison.Ordinal);
        Assert.Equal(reason.ToCode(), factory.Logs.WithEventId(EventIds.RequestRejected).Single()["Reason"]);
    }

    [Fact]
    public async Task A_request_without_a_token_gets_the_challenge_without_an_error_code()
    {
        await using var factory = new HandlerFactory().Rejecting(ReasonCode.MissingToken);

        var (response, _) = await SendAsync(factory, token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"jira-auth-functions\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_token_without_the_scope_gets_403_insufficient_scope()
    {
        await using var factory = new HandlerFactory().Rejecting(ReasonCode.InsufficientScope);

        var (response, body) = await SendAsync(factory);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("insufficient_scope", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(ReasonCode.BadSignature)]
    [InlineData(ReasonCode.Accepted)]
    public async Task No_response_carries_the_token_or_any_part_of_it(ReasonCode reason)
    {
        await using var factory = reason == ReasonCode.Accepted ? new HandlerFactory().AcceptingTokens() : new HandlerFactory().Rejecting(reason);

        var (response, body) = await SendAsync(factory);
        var everything = body + response.Headers + response.Content.Headers;

        foreach (var part in Token.Split('.').Append(Token))
        {
            Assert.DoesNotContain(part, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_root_answers_for_the_functions_host_and_health_says_ok()
    {
        await using var factory = new HandlerFactory();
        var client = factory.CreateClient();

        var root = await client.GetAsync("/");
        var health = await client.GetStringAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(health).RootElement.GetProperty("status").GetString());
    }
}
