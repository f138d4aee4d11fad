using System.Security.Cryptography;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Schemes;

/// <summary>
/// Forge invocation tokens through the real registry (Verification Forge) and validator, with the
/// keys served as a JWKS on loopback as Forge serves its own.
/// </summary>
public sealed class ForgeTokenTests : IAsyncLifetime
{
    private const string Kid = "forge-key-1";
    private static readonly RSA ForgeKey = RSA.Create(2048);
    private static readonly RSA OtherKey = RSA.Create(2048);

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly HttpClient _http = new();
    private JwksServer _jwks = null!;
    private TokenValidator _validator = null!;

    private DateTimeOffset Now => _time.GetUtcNow();

    public async Task InitializeAsync()
    {
        _jwks = await JwksServer.StartAsync();
        _jwks.Respond = () => (200, TestTokens.Jwks(TestTokens.PublicJwk(ForgeKey, Kid)));
        var options = new InboundOptions();
        options.Integrations["forge"] = new IntegrationOptions { Verification = VerificationMethod.Forge, AppId = ForgeTokens.AppId, JwksUri = _jwks.Uri };
        Assert.True(new InboundOptionsValidator().Validate(null, options).Succeeded);
        var registry = IntegrationRegistry.Create(options, Mock.Of<ISecretStore>(MockBehavior.Strict), _http, _time, NullLoggerFactory.Instance);
        _validator = new TokenValidator(
            registry,
            new MemoryReplayCache(_time),
            new FileRevocationList(_folder.File("revocations.json"), _time, NullLogger<FileRevocationList>.Instance),
            Microsoft.Extensions.Options.Options.Create(options),
            _time);
    }

    public async Task DisposeAsync()
    {
        await _jwks.DisposeAsync();
        _http.Dispose();
        _folder.Dispose();
    }

    private Dictionary<string, object?> Claims(Action<Dictionary<string, object?>>? change = null)
    {
        var claims = ForgeTokens.Claims(Now);
        change?.Invoke(claims);
        return claims;
    }

    private static string Sign(Dictionary<string, object?> claims, RSA? key = null, string alg = "RS256", string kid = Kid) =>
        TestTokens.Create(TestTokens.Header(alg, kid), claims, TestTokens.Rsa(key ?? ForgeKey, alg));

    private ValueTask<TokenCheck> Validate(string token) => _validator.ValidateAsync("forge", token);

    [Fact]
    public async Task Good_token_is_accepted_with_app_installation_environment_and_principal_as_context()
    {
        var check = await Validate(Sign(Claims()));

        Assert.True(check.Succeeded, check.Reason.ToCode());
        Assert.Equal(ForgeInvocationToken.Issuer, check.Caller.Issuer);
        Assert.Equal(
            [
                new("appId", ForgeTokens.AppId),
                new("installationId", ForgeTokens.InstallationId),
                new("environmentType", "PRODUCTION"),
                new("environmentId", ForgeTokens.EnvironmentId),
                new("principal", ForgeTokens.AccountId),
            ],
            check.Caller.Context);
    }

    [Fact]
    public async Task Token_without_a_principal_is_accepted_without_one_in_the_context()
    {
        var check = await Validate(Sign(Claims(c => c.Remove("principal"))));

        Assert.True(check.Succeeded);
        Assert.DoesNotContain(check.Caller.Context, c => c.Key == "principal");
    }

    public static TheoryData<string, ReasonCode> Attacks() => new()
    {
        { "another app's token (aud and app.id)", ReasonCode.InvalidAudience },
        { "aud ours, app.id another app's", ReasonCode.ForgeAppMismatch },
        { "no app claim", ReasonCode.MissingClaim },
        { "app without installationId", ReasonCode.MissingClaim },
        { "app.id repeated inside app", ReasonCode.MalformedToken },
        { "issuer not Forge", ReasonCode.InvalidIssuer },
        { "expired", ReasonCode.TokenExpired },
        { "nbf in future", ReasonCode.TokenNotYetValid },
        { "signed by another key", ReasonCode.BadSignature },
        { "unknown kid", ReasonCode.UnknownKid },
        { "HS256 keyed with the public key", ReasonCode.AlgorithmNotAllowed },
        { "PS256 (only RS256 is Forge's)", ReasonCode.AlgorithmNotAllowed },
        { "alg none", ReasonCode.AlgorithmNotAllowed },
        { "missing jti", ReasonCode.MissingJti },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Attack_gets_its_exact_reason(string name, ReasonCode reason)
    {
        var token = name switch
        {
            "another app's token (aud and app.id)" => Sign(ForgeTokens.Claims(Now, ForgeTokens.OtherAppId)),
            "aud ours, app.id another app's" => Sign(Claims(c => c["app"] = ForgeTokens.App(ForgeTokens.OtherAppId))),
            "no app claim" => Sign(Claims(c => c.Remove("app"))),
            "app without installationId" => Sign(Claims(c => ((Dictionary<string, object?>)c["app"]!).Remove("installationId"))),
            "app.id repeated inside app" => TestTokens.FromJson(
                TestTokens.Json(TestTokens.Header("RS256", Kid)),
                TestTokens.Json(Claims()).Replace("\"id\":\"" + ForgeTokens.AppId + "\"", "\"id\":\"" + ForgeTokens.OtherAppId + "\",\"id\":\"" + ForgeTokens.AppId + "\"", StringComparison.Ordinal),
                TestTokens.Rsa(ForgeKey)),
            "issuer not Forge" => Sign(Claims(c => c["iss"] = "forge/invocation-token-x")),
            "expired" => Sign(Claims(c =>
            {
                c["iat"] = c["nbf"] = (Now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
                c["exp"] = (Now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
            })),
            "nbf in future" => Sign(Claims(c => c["nbf"] = (Now + TimeSpan.FromMinutes(2)).ToUnixTimeSeconds())),
            "signed by another key" => Sign(Claims(), OtherKey),
            "unknown kid" => Sign(Claims(), kid: "forge-key-2"),
            "HS256 keyed with the public key" => TestTokens.Create(TestTokens.Header("HS256", Kid), Claims(), TestTokens.Hmac(ForgeKey.ExportSubjectPublicKeyInfoPem())),
            "PS256 (only RS256 is Forge's)" => Sign(Claims(), alg: "PS256"),
            "alg none" => TestTokens.Create(TestTokens.Header("none", Kid), Claims(), sign: null),
            "missing jti" => Sign(Claims(c => c.Remove("jti"))),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such case."),
        };

        var check = await Validate(token);

        Assert.Equal(reason, check.Reason);
        Assert.Empty(check.Caller.Context);
    }

    [Fact]
    public async Task Each_token_is_accepted_once()
    {
        var token = Sign(Claims());

        var first = await Validate(token);
        var second = await Validate(token);

        Assert.True(first.Succeeded);
        Assert.Equal(ReasonCode.ReplayedJti, second.Reason);
    }

    [Fact]
    public async Task Production_jwks_is_the_default_when_no_url_is_set()
    {
        var options = new InboundOptions();
        options.Integrations["forge"] = new IntegrationOptions { Verification = VerificationMethod.Forge, AppId = ForgeTokens.AppId };
        var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var registry = IntegrationRegistry.Create(options, Mock.Of<ISecretStore>(MockBehavior.Strict), http, _time, NullLoggerFactory.Instance);
        Assert.True(registry.TryGet("forge", out var integration));

        await integration.Keys.GetKeysAsync(Kid);

        Assert.Equal(ForgeInvocationToken.ProductionJwksUri, handler.Requested);
        Assert.Equal(new Uri("https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json"), handler.Requested);
    }

    // Answers without any network: the test only needs the URL the key source asked for.
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public Uri? Requested { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable));
        }
    }
}
