using System.Text;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Core.Tests.Tokens;

/// <summary>
/// The memo of long-lived tokens (<see cref="TokenMemo"/>) against the real <see cref="TokenValidator"/>: a
/// repeat is not read again, and still everything that can change is checked on every request.
/// </summary>
public sealed class TokenMemoTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "memo-shared-secret-0123456789-abcdefghij";
    private const string OtherSecret = "another-secret-of-the-same-length-000000";
    private const string SecretName = "inbound-memo";
    private const string Kid = "k1";

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private readonly FileRevocationList _revocations;
    private readonly SwitchableKeys _switchable = new();
    private TokenValidator _validator = null!;
    private IntegrationRegistry _registry = null!;
    private string _v1 = null!;

    public TokenMemoTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
        _revocations = new FileRevocationList(_folder.File("revocations.json"), _time, NullLogger<FileRevocationList>.Instance);
        _switchable.Lookup = new KeyLookup([HmacKey(Secret, Kid)]);
    }

    public async Task InitializeAsync()
    {
        _v1 = (await _store.SetSecretAsync(SecretName, Secret)).Version;
        (_validator, _registry) = CreateValidator();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    private DateTimeOffset Now => _time.GetUtcNow();

    private static VerificationKey HmacKey(string secret, string kid, string algorithm = "HS256") =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = kid }, algorithm);

    private static IntegrationOptions Options(ReplayProtection replay) => new()
    {
        Verification = VerificationMethod.SharedSecret,
        Issuers = [TestTokens.Issuer],
        Audience = TestTokens.Audience,
        Algorithms = ["HS256"],
        RequiredScopes = ["events:write"],
        Replay = replay,
        MaxTokenLifetime = replay == ReplayProtection.LongLivedToken ? TimeSpan.FromDays(30) : TimeSpan.FromHours(1),
    };

    /// <summary>A validator over new integrations (as a configuration reload builds them): "pasted" and "switchable" long-lived, "demo" per request.</summary>
    private (TokenValidator, IntegrationRegistry) CreateValidator()
    {
        var skew = TimeSpan.FromSeconds(60);
        var shared = new SharedSecretKeySource(_store, SecretName, _time, NullLogger.Instance);
        var registry = new IntegrationRegistry(
        [
            new Integration("pasted", Options(ReplayProtection.LongLivedToken), shared, skew),
            new Integration("switchable", Options(ReplayProtection.LongLivedToken), _switchable, skew),
            new Integration("demo", Options(ReplayProtection.PerRequest), shared, skew),
        ]);
        return (new TokenValidator(registry, new MemoryReplayCache(_time), _revocations, Microsoft.Extensions.Options.Options.Create(new InboundOptions()), _time), registry);
    }

    private TokenMemo? Memo(string integration) => Memo(_registry, integration);

    private static TokenMemo? Memo(IntegrationRegistry registry, string integration) =>
        registry.TryGet(integration, out var found) ? found.TokenMemo : throw new ArgumentException(integration);

    private Dictionary<string, object?> Claims(Action<Dictionary<string, object?>>? change = null)
    {
        var claims = TestTokens.Claims(Now, lifetime: TimeSpan.FromDays(20));
        change?.Invoke(claims);
        return claims;
    }

    private string Token(Action<Dictionary<string, object?>>? change = null, string? kid = null, string secret = Secret) =>
        TestTokens.Create(TestTokens.Header("HS256", kid ?? _v1), Claims(change), TestTokens.Hmac(secret));

    private async Task<ReasonCode> Validate(string token, string integration = "pasted") => (await _validator.ValidateAsync(integration, token)).Reason;

    private static string SigningInput(string token) => token[..token.LastIndexOf('.')];

    /// <summary>The same header.payload with another signature part.</summary>
    private static string Resigned(string token, string signature) => SigningInput(token) + "." + signature;

    private static string SignatureOf(string signingInput, string secret) =>
        TestTokens.Encode(TestTokens.Hmac(secret)(Encoding.ASCII.GetBytes(signingInput)));

    private static void AssertSameCaller(CallerInfo expected, CallerInfo actual)
    {
        Assert.Equal(
            (expected.Kid, expected.Issuer, expected.Subject, expected.JtiHash, expected.Algorithm, expected.ExpiresOn, expected.DeliveryKey),
            (actual.Kid, actual.Issuer, actual.Subject, actual.JtiHash, actual.Algorithm, actual.ExpiresOn, actual.DeliveryKey));
        Assert.Equal(expected.Scopes, actual.Scopes);
        Assert.Equal(expected.Context, actual.Context);
    }

    [Fact]
    public async Task A_repeated_long_lived_token_is_answered_from_the_memo_with_the_caller_of_a_cold_read()
    {
        var token = Token(c => c["scope"] = "events:read events:write");

        var cold = await _validator.ValidateAsync("pasted", token);
        var hit = await _validator.ValidateAsync("pasted", token);
        var again = await _validator.ValidateAsync("pasted", token);

        Assert.True(cold.Succeeded && hit.Succeeded && again.Succeeded);
        Assert.Equal(1, Memo("pasted")!.Count);
        Assert.Same(hit, again); // the accepted check itself: nothing is built for a repeat
        Assert.Null(hit.Reservation);
        AssertSameCaller(cold.Caller, hit.Caller);
        Assert.Equal(["events:read", "events:write"], hit.Caller.Scopes);
        Assert.Equal(JtiHash.Compute(JwtJti(token)), hit.Caller.JtiHash);

        // A reload builds new integrations: their memo starts empty, and the token is read cold again, to the same caller.
        var (reloaded, registry) = CreateValidator();
        Assert.Equal(0, Memo(registry, "pasted")!.Count);
        AssertSameCaller(hit.Caller, (await reloaded.ValidateAsync("pasted", token)).Caller);
    }

    [Fact]
    public async Task A_refusal_of_a_memoized_token_logs_the_caller_a_cold_refusal_logs()
    {
        var token = Token();
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        var forged = Resigned(token, SignatureOf(SigningInput(token), OtherSecret));

        var hit = await _validator.ValidateAsync("pasted", forged);
        var (fresh, _) = CreateValidator();
        var cold = await fresh.ValidateAsync("pasted", forged);

        Assert.Equal((ReasonCode.BadSignature, ReasonCode.BadSignature), (hit.Reason, cold.Reason));
        AssertSameCaller(cold.Caller, hit.Caller);
    }

    [Fact]
    public async Task The_same_header_and_payload_with_another_signature_is_refused_after_a_hit()
    {
        var token = Token();
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(1, Memo("pasted")!.Count);

        var signature = token[(token.LastIndexOf('.') + 1)..];
        var flipped = (signature[5] == 'A' ? 'B' : 'A') + "";

        Assert.Equal(ReasonCode.BadSignature, await Validate(Resigned(token, SignatureOf(SigningInput(token), OtherSecret))));
        Assert.Equal(ReasonCode.BadSignature, await Validate(Resigned(token, signature[..5] + flipped + signature[6..])));
        Assert.Equal(ReasonCode.BadSignature, await Validate(Resigned(token, TestTokens.Encode(System.Buffers.Text.Base64Url.DecodeFromChars(signature)[..16])))); // the right MAC, cut short
        Assert.Equal(ReasonCode.BadSignature, await Validate(Resigned(token, "")));
        Assert.Equal(ReasonCode.MalformedToken, await Validate(token + "="));
        Assert.Equal(ReasonCode.MalformedToken, await Validate(Resigned(token, signature[..^1] + "+")));
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
    }

    [Fact]
    public async Task A_memoized_token_is_refused_once_its_key_is_removed_replaced_or_unavailable()
    {
        var token = Token(kid: Kid);
        Assert.Equal(ReasonCode.Accepted, await Validate(token, "switchable"));
        Assert.Equal(ReasonCode.Accepted, await Validate(token, "switchable"));
        Assert.Equal(1, Memo("switchable")!.Count);

        _switchable.Lookup = KeyLookup.None;
        Assert.Equal(ReasonCode.UnknownKid, await Validate(token, "switchable"));

        _switchable.Lookup = new KeyLookup([HmacKey(OtherSecret, Kid)]);
        Assert.Equal(ReasonCode.BadSignature, await Validate(token, "switchable"));

        _switchable.Lookup = new KeyLookup([HmacKey(Secret, Kid, "HS384")]);
        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, await Validate(token, "switchable"));

        _switchable.Lookup = KeyLookup.SourceUnavailable;
        Assert.Equal(ReasonCode.KeysUnavailable, await Validate(token, "switchable"));

        _switchable.Lookup = new KeyLookup([HmacKey(Secret, Kid)]);
        Assert.Equal(ReasonCode.Accepted, await Validate(token, "switchable"));
    }

    [Fact]
    public async Task A_memoized_token_stops_verifying_when_its_secret_version_is_rotated_away()
    {
        var named = Token();
        var unnamed = TestTokens.Create(TestTokens.Header("HS256"), Claims(), TestTokens.Hmac(Secret));
        Assert.Equal(ReasonCode.Accepted, await Validate(named));
        Assert.Equal(ReasonCode.Accepted, await Validate(unnamed));
        Assert.Equal(2, Memo("pasted")!.Count);

        await _store.SetSecretAsync(SecretName, OtherSecret);
        var v1 = (await _store.GetPropertiesOfSecretVersionsAsync(SecretName)).Single(p => p.Version == _v1);
        await _store.UpdateSecretPropertiesAsync(v1 with { Enabled = false });
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        Assert.Equal(ReasonCode.UnknownKid, await Validate(named));
        Assert.Equal(ReasonCode.BadSignature, await Validate(unnamed));
    }

    [Fact]
    public async Task A_memoized_token_past_its_exp_is_refused_as_expired_and_forgotten()
    {
        var token = Token(c => c["exp"] = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds());
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(1, Memo("pasted")!.Count);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(59));
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ReasonCode.TokenExpired, await Validate(token));
        Assert.Equal(0, Memo("pasted")!.Count);
        Assert.Equal(ReasonCode.TokenExpired, await Validate(token));
    }

    [Fact]
    public async Task A_memoized_token_whose_nbf_lies_ahead_of_a_clock_set_back_is_refused()
    {
        // The clock is not assumed to move forward only: every time is compared again on a hit.
        var clock = new SettableClock { Now = Now };
        var registry = new IntegrationRegistry([new Integration("switchable", Options(ReplayProtection.LongLivedToken), _switchable, TimeSpan.FromSeconds(60))]);
        var validator = new TokenValidator(registry, new MemoryReplayCache(clock), _revocations, Microsoft.Extensions.Options.Options.Create(new InboundOptions()), clock);
        var token = Token(kid: Kid);
        Assert.Equal(ReasonCode.Accepted, (await validator.ValidateAsync("switchable", token)).Reason);
        Assert.Equal(1, Memo(registry, "switchable")!.Count);

        clock.Now -= TimeSpan.FromMinutes(2);

        Assert.Equal(ReasonCode.TokenNotYetValid, (await validator.ValidateAsync("switchable", token)).Reason);
    }

    [Fact]
    public async Task A_jti_revoked_after_the_token_was_memoized_is_refused()
    {
        var token = Token(c => c["jti"] = "pasted-memo-1");
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(1, Memo("pasted")!.Count);

        var cli = new FileRevocationList(_revocations.FilePath, _time, NullLogger<FileRevocationList>.Instance);
        await cli.AddAsync(new Revocation { Integration = "pasted", JtiHash = JtiHash.Compute("pasted-memo-1"), RevokedOn = Now });
        _time.Advance(FileRevocationList.ReloadInterval);

        var check = await _validator.ValidateAsync("pasted", token);
        Assert.Equal(ReasonCode.RevokedToken, check.Reason);
        Assert.Equal(JtiHash.Compute("pasted-memo-1"), check.Caller.JtiHash);
    }

    [Fact]
    public async Task A_per_request_integration_never_memoizes_and_its_second_use_is_a_replay()
    {
        var token = Token(c => c["exp"] = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds());

        Assert.Equal(ReasonCode.Accepted, await Validate(token, "demo"));
        Assert.Equal(ReasonCode.ReplayedJti, await Validate(token, "demo"));
        Assert.Null(Memo("demo"));
        Assert.Equal(0, Memo("pasted")!.Count);
    }

    [Theory]
    [InlineData("wrong secret")]
    [InlineData("wrong iss")]
    [InlineData("wrong aud")]
    [InlineData("expired")]
    [InlineData("not yet valid")]
    [InlineData("lifetime over the cap")]
    [InlineData("missing jti")]
    [InlineData("scope missing")]
    [InlineData("revoked")]
    [InlineData("unknown kid")]
    [InlineData("alg not allowed")]
    [InlineData("forbidden header")]
    [InlineData("duplicate member")]
    [InlineData("padded signature")]
    public async Task A_token_refused_for_any_reason_leaves_the_memo_empty(string name)
    {
        var token = name switch
        {
            "wrong secret" => Token(secret: OtherSecret),
            "wrong iss" => Token(c => c["iss"] = "someone-else"),
            "wrong aud" => Token(c => c["aud"] = "another-api"),
            "expired" => Token(c => c["exp"] = (Now - TimeSpan.FromMinutes(5)).ToUnixTimeSeconds()),
            "not yet valid" => Token(c => c["nbf"] = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds()),
            "lifetime over the cap" => Token(c => c["exp"] = (Now + TimeSpan.FromDays(31)).ToUnixTimeSeconds()),
            "missing jti" => Token(c => c.Remove("jti")),
            "scope missing" => Token(c => c["scope"] = "events:read"),
            "revoked" => Token(c => c["jti"] = "revoked-before"),
            "unknown kid" => Token(kid: "no-such-version"),
            "alg not allowed" => TestTokens.Create(TestTokens.Header("HS512", _v1), Claims(), TestTokens.Hmac(Secret, "HS512")),
            "forbidden header" => TestTokens.Create(new Dictionary<string, object?>(TestTokens.Header("HS256", _v1)) { ["jku"] = "https://attacker.example/jwks" }, Claims(), TestTokens.Hmac(Secret)),
            "duplicate member" => TestTokens.FromJson($"{{\"alg\":\"HS256\",\"kid\":\"{_v1}\"}}", TestTokens.Json(Claims())[..^1] + ",\"exp\":1}", TestTokens.Hmac(Secret)),
            "padded signature" => Token() + "=",
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        await _revocations.AddAsync(new Revocation { Integration = "pasted", JtiHash = JtiHash.Compute("revoked-before"), RevokedOn = Now });

        Assert.NotEqual(ReasonCode.Accepted, await Validate(token));
        Assert.NotEqual(ReasonCode.Accepted, await Validate(token));
        Assert.Equal(0, Memo("pasted")!.Count);
    }

    [Fact]
    public async Task The_memo_is_bounded_and_cleared_when_full()
    {
        for (var i = 0; i < TokenMemo.Capacity; i++)
        {
            Assert.Equal(ReasonCode.Accepted, await Validate(Token()));
        }

        Assert.Equal(TokenMemo.Capacity, Memo("pasted")!.Count);

        var last = Token();
        Assert.Equal(ReasonCode.Accepted, await Validate(last));
        Assert.Equal(1, Memo("pasted")!.Count);
        Assert.True(Memo("pasted")!.TryGet(SigningInput(last), out _));
    }

    private static string JwtJti(string token)
    {
        Assert.Equal(ReasonCode.Accepted, JwtContent.TryRead(token, out var content));
        return content.Id!;
    }

    /// <summary>A clock that can be set back (FakeTimeProvider refuses to).</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Keys a test can take away, replace or make unavailable between requests.</summary>
    private sealed class SwitchableKeys : ISigningKeySource
    {
        public KeyLookup Lookup { get; set; }

        public ValueTask<KeyLookup> GetKeysAsync(string? kid, CancellationToken cancellationToken = default) => ValueTask.FromResult(Lookup);
    }
}
