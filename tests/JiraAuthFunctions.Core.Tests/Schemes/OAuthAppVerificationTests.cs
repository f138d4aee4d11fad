using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Schemes;

/// <summary>
/// The OAuthApp scheme: Jira's dynamic-webhook JWT, HS256 with the OAuth app's client secret. Its claim
/// policy is what Atlassian documents (a signature, an expiry), no less: iss/aud only when configured,
/// a jti used once when present, and without one the token is bounded by exp and MaxTokenLifetime.
/// </summary>
public sealed class OAuthAppVerificationTests : IAsyncLifetime, IDisposable
{
    private const string ClientSecret = "oauth-app-client-secret-0123456789abcdefABCDEF";
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private TokenValidator _validator = null!;

    public OAuthAppVerificationTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    public async Task InitializeAsync()
    {
        await _store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), ClientSecret);
        var skew = TimeSpan.FromSeconds(60);
        var keys = new SharedSecretKeySource(_store, JiraSecretNames.ClientSecret("cloud"), _time, NullLogger.Instance);
        var pinned = OAuthApp();
        pinned.Issuers = ["jira-issuer"];
        pinned.Audience = "our-app";
        var integrations = new IntegrationRegistry(
        [
            new Integration("webhooks", OAuthApp(), keys, skew),
            new Integration("pinned", pinned, keys, skew),
        ]);
        _validator = new TokenValidator(integrations, new MemoryReplayCache(_time),
            new FileRevocationList(_folder.File("revocations.json"), _time, NullLogger<FileRevocationList>.Instance),
            Microsoft.Extensions.Options.Options.Create(new InboundOptions()), _time);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    private static IntegrationOptions OAuthApp() => new() { Verification = VerificationMethod.OAuthApp, JiraConnection = "cloud" };

    /// <summary>Only what Atlassian documents for these tokens: signed, with an issue and an expiry time.</summary>
    private Dictionary<string, object?> Minimal() => new()
    {
        ["iat"] = Now.ToUnixTimeSeconds(),
        ["exp"] = (Now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
    };

    private static string Sign(Dictionary<string, object?> claims, string alg = "HS256", string secret = ClientSecret) =>
        TestTokens.Create(TestTokens.Header(alg), claims, TestTokens.Hmac(secret, alg));

    private ValueTask<TokenCheck> Validate(string token, string integration = "webhooks") => _validator.ValidateAsync(integration, token);

    [Fact]
    public async Task A_token_with_only_iat_and_exp_signed_with_the_client_secret_is_accepted_with_its_connection_as_context()
    {
        var check = await Validate(Sign(Minimal()));

        Assert.Equal(ReasonCode.Accepted, check.Reason);
        Assert.Equal([new KeyValuePair<string, string>("jira.connection", "cloud")], check.Caller.Context);
    }

    [Fact]
    public async Task The_same_token_without_jti_is_accepted_again_until_it_expires()
    {
        var token = Sign(Minimal());

        Assert.Equal(ReasonCode.Accepted, (await Validate(token)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(token)).Reason);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(ReasonCode.TokenExpired, (await Validate(token)).Reason);
    }

    [Fact]
    public async Task A_jti_that_is_present_is_accepted_once()
    {
        var claims = Minimal();
        claims["jti"] = "delivery-1";
        var token = Sign(claims);

        Assert.Equal(ReasonCode.Accepted, (await Validate(token)).Reason);
        Assert.Equal(ReasonCode.ReplayedJti, (await Validate(token)).Reason);
    }

    [Theory]
    [InlineData("wrong secret", "bad_signature")]
    [InlineData("HS512 with the client secret", "alg_not_allowed")]
    [InlineData("alg none", "alg_not_allowed")]
    [InlineData("RS256 claimed, HMAC signature", "alg_not_allowed")]
    [InlineData("missing signature", "bad_signature")]
    [InlineData("missing exp", "missing_claim")]
    [InlineData("expired", "token_expired")]
    [InlineData("exp beyond the lifetime cap without iat", "lifetime_exceeded")]
    [InlineData("iss given but not checked", "accepted")]
    public async Task Attack_gets_its_reason(string name, string reason)
    {
        var token = name switch
        {
            "wrong secret" => Sign(Minimal(), secret: "another-client-secret-0123456789abcdefABCDEF"),
            "HS512 with the client secret" => Sign(Minimal(), "HS512"),
            "alg none" => TestTokens.Create(TestTokens.Header("none"), Minimal(), sign: null),
            "RS256 claimed, HMAC signature" => TestTokens.Create(TestTokens.Header("RS256"), Minimal(), TestTokens.Hmac(ClientSecret)),
            "missing signature" => Sign(Minimal())[..(Sign(Minimal()).LastIndexOf('.') + 1)],
            "missing exp" => Sign(Without(Minimal(), "exp")),
            "expired" => Sign(new() { ["iat"] = (Now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(), ["exp"] = (Now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds() }),
            "exp beyond the lifetime cap without iat" => Sign(new() { ["exp"] = (Now + TimeSpan.FromHours(2)).ToUnixTimeSeconds() }),
            "iss given but not checked" => Sign(With(Minimal(), "iss", "anything")),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        Assert.Equal(reason, (await Validate(token)).Reason.ToCode());
    }

    [Fact]
    public async Task Configured_issuer_and_audience_are_required_and_checked()
    {
        var both = With(With(Minimal(), "iss", "jira-issuer"), "aud", "our-app");

        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(both), "pinned")).Reason);
        Assert.Equal(ReasonCode.MissingClaim, (await Validate(Sign(Minimal()), "pinned")).Reason);
        Assert.Equal(ReasonCode.InvalidIssuer, (await Validate(Sign(With(both, "iss", "someone")), "pinned")).Reason);
        Assert.Equal(ReasonCode.InvalidAudience, (await Validate(Sign(With(both, "aud", "other-app")), "pinned")).Reason);
    }

    [Fact]
    public async Task A_rotated_client_secret_keeps_the_previous_one_verifying()
    {
        var before = Sign(Minimal());
        await _store.SetSecretAsync(JiraSecretNames.ClientSecret("cloud"), "rotated-client-secret-0123456789abcdefABCDEF");
        _time.Advance(TimeSpan.FromMinutes(6)); // past the key source's refresh
        var claims = Minimal();
        var oldSecret = Sign(claims);
        var newSecret = Sign(claims, secret: "rotated-client-secret-0123456789abcdefABCDEF");

        Assert.Equal(ReasonCode.Accepted, (await Validate(newSecret)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(oldSecret)).Reason);
        Assert.Equal(ReasonCode.TokenExpired, (await Validate(before)).Reason);
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> claims, string name, object value) => new(claims) { [name] = value };

    private static Dictionary<string, object?> Without(Dictionary<string, object?> claims, string name)
    {
        var copy = new Dictionary<string, object?>(claims);
        copy.Remove(name);
        return copy;
    }
}
