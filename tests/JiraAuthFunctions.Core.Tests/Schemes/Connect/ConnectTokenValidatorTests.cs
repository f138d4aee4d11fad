using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>The time rules of Connect request tokens on the fake clock: exp and iat required, the leeway is Inbound:ClockSkew.</summary>
public sealed class ConnectTokenValidatorTests : IDisposable
{
    private const string ClientKey = "jira:unit";
    private const string Secret = "unit-tenant-shared-secret-0123456789";
    private const string Query = "issue_key=OPS-1";
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly Integration _integration;
    private readonly ConnectTokenValidator _validator;

    public ConnectTokenValidatorTests()
    {
        var options = new InboundOptions { ClockSkew = TimeSpan.FromSeconds(30) };
        options.Integrations["app"] = new IntegrationOptions { Verification = VerificationMethod.Connect, BaseUrl = new Uri("https://func.example/api/connect/app"), MaxTokenLifetime = TimeSpan.FromMinutes(10) };
        var store = new FileSecretStore(_folder.File("secrets.json"), _time);
        var registry = IntegrationRegistry.Create(options, store, new HttpClient(), _time, NullLoggerFactory.Instance);
        Assert.True(registry.TryGet("app", out var integration));
        _integration = integration;
        _integration.Connect!.Tenants.SaveAsync(new ConnectTenant(ClientKey, "https://unit.atlassian.net", Secret)).GetAwaiter().GetResult();
        _validator = new ConnectTokenValidator(Microsoft.Extensions.Options.Options.Create(options), _time);
    }

    public void Dispose() => _folder.Dispose();

    private async Task<ReasonCode> CheckAsync(Action<Dictionary<string, object?>> change)
    {
        var now = _time.GetUtcNow();
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = ClientKey,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
            ["qsh"] = QueryStringHash.Compute("POST", "/events/x", Query),
        };
        change(claims);
        var token = TestTokens.Create(TestTokens.Header("HS256"), claims, TestTokens.Hmac(Secret));
        var request = new InboundRequest { Method = "POST", Path = "/api/connect/app/events/x", Query = Query, Header = n => n == "Authorization" ? "JWT " + token : null };
        return (await _validator.ValidateRequestAsync(_integration, request)).Reason;
    }

    private long At(int seconds) => (_time.GetUtcNow() + TimeSpan.FromSeconds(seconds)).ToUnixTimeSeconds();

    [Fact]
    public async Task Expiry_within_the_leeway_is_accepted_beyond_it_is_expired()
    {
        Assert.Equal(ReasonCode.Accepted, await CheckAsync(c => { c["iat"] = At(-200); c["exp"] = At(-29); }));
        Assert.Equal(ReasonCode.TokenExpired, await CheckAsync(c => { c["iat"] = At(-200); c["exp"] = At(-30); }));
    }

    [Fact]
    public async Task Iat_in_the_future_beyond_the_leeway_is_refused()
    {
        Assert.Equal(ReasonCode.Accepted, await CheckAsync(c => { c["iat"] = At(30); c["exp"] = At(200); }));
        Assert.Equal(ReasonCode.IssuedInFuture, await CheckAsync(c => { c["iat"] = At(31); c["exp"] = At(200); }));
    }

    [Fact]
    public async Task Exp_iat_and_qsh_are_required_and_the_lifetime_is_capped()
    {
        Assert.Equal(ReasonCode.MissingClaim, await CheckAsync(c => c.Remove("exp")));
        Assert.Equal(ReasonCode.MissingClaim, await CheckAsync(c => c.Remove("iat")));
        Assert.Equal(ReasonCode.MissingClaim, await CheckAsync(c => c.Remove("qsh")));
        Assert.Equal(ReasonCode.LifetimeExceeded, await CheckAsync(c => c["exp"] = At(601)));
        Assert.Equal(ReasonCode.Accepted, await CheckAsync(c => c["exp"] = At(600)));
    }

    [Theory]
    [InlineData("&jwt={0}&jwt={0}")]
    [InlineData("&jwt={0}&jwt=junk")]
    [InlineData("&jwt=junk&jwt={0}")]
    public async Task A_jwt_query_parameter_given_twice_is_refused_whichever_copy_is_good(string jwt)
    {
        var now = _time.GetUtcNow();
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = ClientKey,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
            ["qsh"] = QueryStringHash.Compute("POST", "/events/x", Query),
        };
        var token = TestTokens.Create(TestTokens.Header("HS256"), claims, TestTokens.Hmac(Secret));
        InboundRequest RequestWith(string query) => new() { Method = "POST", Path = "/api/connect/app/events/x", Query = query };

        Assert.Equal(ReasonCode.Accepted, (await _validator.ValidateRequestAsync(_integration, RequestWith(Query + "&jwt=" + token))).Reason);
        Assert.Equal(ReasonCode.MalformedToken, (await _validator.ValidateRequestAsync(_integration, RequestWith(Query + string.Format(System.Globalization.CultureInfo.InvariantCulture, jwt, token)))).Reason);
    }

    [Fact]
    public async Task A_tenant_read_from_the_store_is_checked_as_one_held_in_memory()
    {
        // A second registry over the same store: the tenant is not held there, so the first lookup
        // waits for the store's read; the second finds it held.
        var options = new InboundOptions { ClockSkew = TimeSpan.FromSeconds(30) };
        options.Integrations["app"] = new IntegrationOptions { Verification = VerificationMethod.Connect, BaseUrl = new Uri("https://func.example/api/connect/app"), MaxTokenLifetime = TimeSpan.FromMinutes(10) };
        var registry = IntegrationRegistry.Create(options, new FileSecretStore(_folder.File("secrets.json"), _time), new HttpClient(), _time, NullLoggerFactory.Instance);
        Assert.True(registry.TryGet("app", out var cold));
        var now = _time.GetUtcNow();
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = ClientKey,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
            ["qsh"] = QueryStringHash.Compute("POST", "/events/x", Query),
        };
        var token = TestTokens.Create(TestTokens.Header("HS256"), claims, TestTokens.Hmac(Secret));
        var request = new InboundRequest { Method = "POST", Path = "/api/connect/app/events/x", Query = Query, Header = n => n == "Authorization" ? "JWT " + token : null };
        KeyValuePair<string, string>[] context = [new("connect.clientKey", ClientKey), new("connect.baseUrl", "https://unit.atlassian.net")];

        foreach (var pass in new[] { "read from the store", "held" })
        {
            var check = await _validator.ValidateRequestAsync(cold, request);
            Assert.True(check.Reason == ReasonCode.Accepted, $"{pass}: {check.Reason}");
            Assert.Equal(context, check.Caller.Context);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!), check.Caller.ExpiresOn);
        }

        var unknown = TestTokens.Create(TestTokens.Header("HS256"), new Dictionary<string, object?>(claims) { ["iss"] = "jira:nobody" }, TestTokens.Hmac(Secret));
        var refused = await _validator.ValidateRequestAsync(cold, new InboundRequest { Method = "POST", Path = request.Path, Query = Query, Header = n => n == "Authorization" ? "JWT " + unknown : null });
        Assert.Equal(ReasonCode.UnknownTenant, refused.Reason);
    }
}
