using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Moq;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Tokens;

public sealed class TokenValidatorTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "demo-shared-secret-0123456789-abcdefghij";
    private const string SecretName = "inbound-demo";
    private const string RsaKid = "rsa-1";

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private readonly MemoryReplayCache _replay;
    private readonly FileRevocationList _revocations;
    // Generated once for the class: RSA key generation costs more than everything else here.
    private static readonly RSA SharedRsa = RSA.Create(2048);
    private static readonly RSA OtherRsa = RSA.Create(2048);
    private static readonly RSA ConfigRsa = RSA.Create(2048);
    private static readonly ECDsa ConfigEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa OtherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private readonly RSA _rsa = SharedRsa;
    private readonly Mock<ISigningKeySource> _downKeys = new(MockBehavior.Strict);
    private TokenValidator _validator = null!;
    private string _v1 = null!;

    public TokenValidatorTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
        _replay = new MemoryReplayCache(_time);
        _revocations = new FileRevocationList(_folder.File("revocations.json"), _time, NullLogger<FileRevocationList>.Instance);
        _downKeys.Setup(k => k.GetKeysAsync(It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult(KeyLookup.SourceUnavailable));
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private string RsaPem => _rsa.ExportSubjectPublicKeyInfoPem();

    public async Task InitializeAsync()
    {
        _v1 = (await _store.SetSecretAsync(SecretName, Secret)).Version;
        _validator = CreateValidator();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _folder.Dispose();
    }

    private static IntegrationOptions Options(VerificationMethod verification, params string[] algorithms) => new()
    {
        Verification = verification,
        Issuers = [TestTokens.Issuer],
        Audience = TestTokens.Audience,
        Algorithms = [.. algorithms],
        RequiredScopes = ["events:write"],
    };

    private TokenValidator CreateValidator(params Integration[] extra)
    {
        var skew = TimeSpan.FromSeconds(60);
        var sharedKeys = new SharedSecretKeySource(_store, SecretName, _time, NullLogger.Instance);
        var rsaKey = PublicKeyParser.Parse(new PublicKeyOptions { Kid = RsaKid, Pem = RsaPem, Algorithm = "RS256" });
        var pasted = Options(VerificationMethod.SharedSecret, "HS256");
        pasted.Replay = ReplayProtection.LongLivedToken;
        pasted.MaxTokenLifetime = TimeSpan.FromDays(30);

        var integrations = new List<Integration>
        {
            new("demo", Options(VerificationMethod.SharedSecret, "HS256"), sharedKeys, skew),
            new("pasted", pasted, sharedKeys, skew),
            new("rsa", Options(VerificationMethod.PublicKeys, "RS256"), new StaticKeySource([rsaKey]), skew),
            // Deliberately misconfigured (the options validator refuses this): HS256 next to an RSA key.
            new("confused", Options(VerificationMethod.PublicKeys, "HS256", "RS256"), new StaticKeySource([rsaKey]), skew),
            new("down", Options(VerificationMethod.SharedSecret, "HS256"), _downKeys.Object, skew),
        };
        integrations.AddRange(extra);
        return new TokenValidator(new IntegrationRegistry(integrations), _replay, _revocations, Microsoft.Extensions.Options.Options.Create(new InboundOptions()), _time);
    }

    private Dictionary<string, object?> Claims() => TestTokens.Claims(Now);

    private Dictionary<string, object?> Header(string alg = "HS256") => TestTokens.Header(alg, _v1);

    private static string Sign(Dictionary<string, object?> header, Dictionary<string, object?> claims, string secret = Secret) =>
        TestTokens.Create(header, claims, TestTokens.Hmac(secret));

    private string Good() => Sign(Header(), Claims());

    private string With(Action<Dictionary<string, object?>> claims)
    {
        var payload = Claims();
        claims(payload);
        return Sign(Header(), payload);
    }

    private string WithHeader(Action<Dictionary<string, object?>> header)
    {
        var h = Header();
        header(h);
        return Sign(h, Claims());
    }

    private ValueTask<TokenCheck> Validate(string token, string integration = "demo") => _validator.ValidateAsync(integration, token);

    private static string FlipAt(string token, int index)
    {
        var chars = token.ToCharArray();
        chars[index] = chars[index] switch
        {
            'A' => 'B',
            'Y' => 'Z',
            'e' => 'f',
            _ => chars[index] == 'a' ? 'b' : 'a',
        };
        return new string(chars);
    }

    /// <summary>Each row: an attack (or a legitimate variation) and the exact reason it must get.</summary>
    private async Task<(string Integration, string Token)> Case(string name)
    {
        var now = Now;
        switch (name)
        {
            case "good HS256": return ("demo", Good());
            case "good HS256 without kid": return ("demo", Sign(TestTokens.Header("HS256"), Claims()));
            case "alg none": return ("demo", TestTokens.Create(TestTokens.Header("none"), Claims(), sign: null));
            case "alg None": return ("demo", TestTokens.Create(TestTokens.Header("None"), Claims(), sign: null));
            case "alg NONE": return ("demo", TestTokens.Create(TestTokens.Header("NONE"), Claims(), sign: null));
            case "alg nOnE": return ("demo", TestTokens.Create(TestTokens.Header("nOnE"), Claims(), sign: null));
            case "alg none signed": return ("demo", TestTokens.Create(TestTokens.Header("none"), Claims(), TestTokens.Hmac(Secret)));
            case "alg missing":
                {
                    var header = Header();
                    header.Remove("alg");
                    return ("demo", Sign(header, Claims()));
                }

            case "alg HS512 not on list": return ("demo", TestTokens.Create(Header("HS512"), Claims(), TestTokens.Hmac(Secret, "HS512")));
            case "alg hs256 lower case": return ("demo", Sign(Header("hs256"), Claims()));
            case "HS256 keyed with RSA public PEM":
                return ("rsa", TestTokens.Create(TestTokens.Header("HS256", RsaKid), Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(RsaPem), input)));
            case "HS256 keyed with RSA public DER":
                return ("rsa", TestTokens.Create(TestTokens.Header("HS256", RsaKid), Claims(), input => HMACSHA256.HashData(_rsa.ExportSubjectPublicKeyInfo(), input)));
            case "HS256 keyed with RSA public PKCS1 DER":
                return ("rsa", TestTokens.Create(TestTokens.Header("HS256", RsaKid), Claims(), input => HMACSHA256.HashData(_rsa.ExportRSAPublicKey(), input)));
            case "RS256 claimed, HMAC signature keyed with PEM":
                return ("rsa", TestTokens.Create(TestTokens.Header("RS256", RsaKid), Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(RsaPem), input)));
            case "HS256 allowed next to RSA key, keyed with PEM":
                return ("confused", TestTokens.Create(TestTokens.Header("HS256", RsaKid), Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(RsaPem), input)));
            case "HS256 allowed next to RSA key, keyed with DER":
                return ("confused", TestTokens.Create(TestTokens.Header("HS256", RsaKid), Claims(), input => HMACSHA256.HashData(_rsa.ExportSubjectPublicKeyInfo(), input)));
            case "good RS256": return ("rsa", TestTokens.Create(TestTokens.Header("RS256", RsaKid), Claims(), TestTokens.Rsa(_rsa)));
            case "wrong secret": return ("demo", Sign(Header(), Claims(), "another-secret-of-the-same-length-0000000"));
            case "wrong iss": return ("demo", With(c => c["iss"] = "someone-else"));
            case "iss differs in case": return ("demo", With(c => c["iss"] = TestTokens.Issuer.ToUpperInvariant()));
            case "wrong aud": return ("demo", With(c => c["aud"] = "another-api"));
            case "aud array with ours": return ("demo", With(c => c["aud"] = new[] { "another-api", TestTokens.Audience }));
            case "aud array without ours": return ("demo", With(c => c["aud"] = new[] { "another-api", "a-third-api" }));
            case "aud with a trailing slash": return ("demo", With(c => c["aud"] = TestTokens.Audience + "/"));
            case "aud array, ours with a trailing slash": return ("demo", With(c => c["aud"] = new[] { "another-api", TestTokens.Audience + "/" }));
            case "aud differs in case": return ("demo", With(c => c["aud"] = TestTokens.Audience.ToUpperInvariant()));
            case "aud with surrounding spaces": return ("demo", With(c => c["aud"] = " " + TestTokens.Audience + " "));
            case "iss with a trailing slash": return ("demo", With(c => c["iss"] = TestTokens.Issuer + "/"));
            case "iss with a trailing space": return ("demo", With(c => c["iss"] = TestTokens.Issuer + " "));
            case "padded signature": return ("demo", Good() + "=");
            case "space inside the signature":
                var good = Good();
                return ("demo", good.Insert(good.Length - 4, " "));
            case "expired beyond skew": return ("demo", With(c => { c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); c["exp"] = (now - TimeSpan.FromSeconds(61)).ToUnixTimeSeconds(); }));
            case "expired exactly skew ago": return ("demo", With(c => { c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); c["exp"] = (now - TimeSpan.FromSeconds(60)).ToUnixTimeSeconds(); }));
            case "expired within skew": return ("demo", With(c => { c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); c["exp"] = (now - TimeSpan.FromSeconds(30)).ToUnixTimeSeconds(); }));
            case "nbf in future beyond skew": return ("demo", With(c => { c["nbf"] = (now + TimeSpan.FromSeconds(90)).ToUnixTimeSeconds(); c["exp"] = (now + TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); }));
            case "nbf in future within skew": return ("demo", With(c => c["nbf"] = (now + TimeSpan.FromSeconds(30)).ToUnixTimeSeconds()));
            case "iat in future": return ("demo", With(c => { c.Remove("nbf"); c["iat"] = (now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(); c["exp"] = (now + TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(); }));
            case "lifetime over max": return ("demo", With(c => c["exp"] = (now + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1)).ToUnixTimeSeconds()));
            case "lifetime exactly max": return ("demo", With(c => c["exp"] = (now + TimeSpan.FromHours(1)).ToUnixTimeSeconds()));
            case "lifetime over max without iat or nbf": return ("demo", With(c => { c.Remove("iat"); c.Remove("nbf"); c["exp"] = (now + TimeSpan.FromHours(2)).ToUnixTimeSeconds(); }));
            case "exp beyond year 9999": return ("demo", With(c => c["exp"] = 253402300800L + 86400L));
            case "missing exp": return ("demo", With(c => c.Remove("exp")));
            case "missing iss": return ("demo", With(c => c.Remove("iss")));
            case "missing aud": return ("demo", With(c => c.Remove("aud")));
            case "empty aud array": return ("demo", With(c => c["aud"] = Array.Empty<string>()));
            case "missing jti": return ("demo", With(c => c.Remove("jti")));
            case "empty jti": return ("demo", With(c => c["jti"] = ""));
            case "revoked jti":
                {
                    var token = With(c => c["jti"] = "revoked-jti-1");
                    await _revocations.AddAsync(new Revocation { Integration = "demo", JtiHash = JtiHash.Compute("revoked-jti-1"), RevokedOn = now });
                    return ("demo", token);
                }

            case "jti revoked for another integration":
                {
                    var token = With(c => c["jti"] = "revoked-jti-2");
                    await _revocations.AddAsync(new Revocation { Integration = "pasted", JtiHash = JtiHash.Compute("revoked-jti-2"), RevokedOn = now });
                    return ("demo", token);
                }

            case "scope missing": return ("demo", With(c => c.Remove("scope")));
            case "scope other": return ("demo", With(c => c["scope"] = "events:read"));
            case "scope prefix only": return ("demo", With(c => c["scope"] = "events"));
            case "scope among several": return ("demo", With(c => c["scope"] = "events:read events:write admin"));
            case "scp array": return ("demo", With(c => { c.Remove("scope"); c["scp"] = new[] { "events:read", "events:write" }; }));
            case "scp array without scope": return ("demo", With(c => { c.Remove("scope"); c["scp"] = new[] { "events:read" }; }));
            case "scp string": return ("demo", With(c => { c.Remove("scope"); c["scp"] = "events:write"; }));
            case "scp string with several": return ("demo", With(c => { c.Remove("scope"); c["scp"] = "events:read events:write"; }));
            case "scope array with a padded entry": return ("demo", With(c => c["scope"] = new[] { " events:write " }));
            case "scp empty string": return ("demo", With(c => { c.Remove("scope"); c["scp"] = ""; }));
            case "tampered header, first char": return ("demo", FlipAt(Good(), 0));
            case "tampered header, inside a string":
                {
                    var header = Header();
                    header["x"] = "aaaaaaaaaaaa";
                    var token = Sign(header, Claims());
                    return ("demo", FlipAt(token, token.IndexOf("YWFh", StringComparison.Ordinal)));
                }

            case "tampered payload, first char":
                {
                    var token = Good();
                    return ("demo", FlipAt(token, token.IndexOf('.') + 1));
                }

            case "tampered payload, inside a string":
                {
                    var token = With(c => c["sub"] = "aaaaaaaaaaaa");
                    return ("demo", FlipAt(token, token.IndexOf("YWFh", token.IndexOf('.'), StringComparison.Ordinal)));
                }

            case "tampered signature":
                {
                    var token = Good();
                    return ("demo", FlipAt(token, token.LastIndexOf('.') + 10));
                }

            case "signature truncated to one byte":
                {
                    // The signature's first byte, spelled canonically: well-formed, but one byte is no HMAC.
                    var token = Good();
                    var dot = token.LastIndexOf('.');
                    var first = System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(dot + 1))[..1];
                    return ("demo", token[..(dot + 1)] + TestTokens.Encode(first));
                }

            case "signature truncated to 16 bytes":
                {
                    var token = Good();
                    var dot = token.LastIndexOf('.');
                    var signature = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(token[(dot + 1)..]);
                    return ("demo", token[..(dot + 1)] + TestTokens.Encode(signature[..16]));
                }

            case "signature not base64url": return ("demo", Good()[..^2] + "+/");
            case "signature missing": return ("demo", Good()[..(Good().LastIndexOf('.') + 1)]);
            case "unknown kid": return ("demo", Sign(TestTokens.Header("HS256", "no-such-version"), Claims()));
            case "empty string": return ("demo", "");
            case "garbage": return ("demo", "this is not a token");
            case "two segments": return ("demo", "a.b");
            case "four segments": return ("demo", "a.b.c.d");
            case "three empty segments": return ("demo", "..");
            case "leading dot": return ("demo", ".b.c");
            case "three garbage segments": return ("demo", "a.b.c");
            case "five segments": return ("demo", "a.b.c.d.e");
            case "six segments": return ("demo", "a.b.c.d.e.f");
            case "header not JSON": return ("demo", TestTokens.Encode("not json") + "." + TestTokens.Encode(TestTokens.Json(Claims())) + ".c2ln");
            case "too large": return ("demo", Padded(8193));
            case "too large garbage": return ("demo", new string('x', 8193));
            case "too large, unknown integration": return ("nope", new string('x', 8193));
            case "duplicate exp":
                {
                    var json = TestTokens.Json(Claims());
                    return ("demo", TestTokens.FromJson(TestTokens.Json(Header()), json[..^1] + $",\"exp\":{(now + TimeSpan.FromDays(365)).ToUnixTimeSeconds()}}}", TestTokens.Hmac(Secret)));
                }

            case "duplicate alg":
                return ("demo", TestTokens.FromJson($"{{\"alg\":\"HS256\",\"kid\":\"{_v1}\",\"alg\":\"none\"}}", TestTokens.Json(Claims()), TestTokens.Hmac(Secret)));
            case "escaped duplicate exp":
                {
                    var json = TestTokens.Json(Claims());
                    return ("demo", TestTokens.FromJson(TestTokens.Json(Header()), json[..^1] + $",\"\\u0065xp\":{(now + TimeSpan.FromDays(365)).ToUnixTimeSeconds()}}}", TestTokens.Hmac(Secret)));
                }

            case "escaped duplicate alg":
                return ("demo", TestTokens.FromJson($"{{\"alg\":\"HS256\",\"kid\":\"{_v1}\",\"\\u0061lg\":\"none\"}}", TestTokens.Json(Claims()), TestTokens.Hmac(Secret)));
            case "jku header": return ("demo", WithHeader(h => h["jku"] = "https://attacker.example/jwks.json"));
            case "x5u header": return ("demo", WithHeader(h => h["x5u"] = "https://attacker.example/cert.pem"));
            case "jwk header": return ("demo", WithHeader(h => h["jwk"] = new Dictionary<string, string> { ["kty"] = "oct", ["k"] = "c2VjcmV0" }));
            case "x5c header": return ("demo", WithHeader(h => h["x5c"] = new[] { "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A" }));
            case "crit header": return ("demo", WithHeader(h => h["crit"] = new[] { "exp" }));
            case "unknown integration": return ("no-such-integration", Good());
            case "keys unavailable": return ("down", Good());
            default: throw new ArgumentOutOfRangeException(nameof(name), name, "No such case.");
        }
    }

    // A good token of exactly `length` characters, padded through an extra claim and header member.
    private string Padded(int length)
    {
        for (var headerPad = 0; headerPad < 4; headerPad++)
        {
            for (var pad = 0; pad < length; pad++)
            {
                var header = Header();
                header["x"] = new string('h', headerPad);
                var claims = Claims();
                claims["pad"] = new string('p', pad);
                var token = Sign(header, claims);
                if (token.Length == length)
                {
                    return token;
                }

                if (token.Length > length)
                {
                    break;
                }
            }
        }

        throw new InvalidOperationException($"No token of length {length}.");
    }

    [Theory]
    [InlineData("good HS256", ReasonCode.Accepted)]
    [InlineData("good HS256 without kid", ReasonCode.Accepted)]
    [InlineData("alg none", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg None", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg NONE", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg nOnE", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg none signed", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg missing", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg HS512 not on list", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("alg hs256 lower case", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("HS256 keyed with RSA public PEM", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("HS256 keyed with RSA public DER", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("HS256 keyed with RSA public PKCS1 DER", ReasonCode.AlgorithmNotAllowed)]
    [InlineData("RS256 claimed, HMAC signature keyed with PEM", ReasonCode.BadSignature)]
    [InlineData("HS256 allowed next to RSA key, keyed with PEM", ReasonCode.KeyAlgorithmMismatch)]
    [InlineData("HS256 allowed next to RSA key, keyed with DER", ReasonCode.KeyAlgorithmMismatch)]
    [InlineData("good RS256", ReasonCode.Accepted)]
    [InlineData("wrong secret", ReasonCode.BadSignature)]
    [InlineData("wrong iss", ReasonCode.InvalidIssuer)]
    [InlineData("iss differs in case", ReasonCode.InvalidIssuer)]
    [InlineData("wrong aud", ReasonCode.InvalidAudience)]
    [InlineData("aud array with ours", ReasonCode.Accepted)]
    [InlineData("aud array without ours", ReasonCode.InvalidAudience)]
    [InlineData("aud with a trailing slash", ReasonCode.InvalidAudience)]
    [InlineData("aud array, ours with a trailing slash", ReasonCode.InvalidAudience)]
    [InlineData("aud differs in case", ReasonCode.InvalidAudience)]
    [InlineData("aud with surrounding spaces", ReasonCode.InvalidAudience)]
    [InlineData("iss with a trailing slash", ReasonCode.InvalidIssuer)]
    [InlineData("iss with a trailing space", ReasonCode.InvalidIssuer)]
    [InlineData("padded signature", ReasonCode.MalformedToken)]
    [InlineData("space inside the signature", ReasonCode.MalformedToken)]
    [InlineData("expired beyond skew", ReasonCode.TokenExpired)]
    [InlineData("expired exactly skew ago", ReasonCode.TokenExpired)]
    [InlineData("expired within skew", ReasonCode.Accepted)]
    [InlineData("nbf in future beyond skew", ReasonCode.TokenNotYetValid)]
    [InlineData("nbf in future within skew", ReasonCode.Accepted)]
    [InlineData("iat in future", ReasonCode.IssuedInFuture)]
    [InlineData("lifetime over max", ReasonCode.LifetimeExceeded)]
    [InlineData("lifetime exactly max", ReasonCode.Accepted)]
    [InlineData("lifetime over max without iat or nbf", ReasonCode.LifetimeExceeded)]
    [InlineData("exp beyond year 9999", ReasonCode.LifetimeExceeded)]
    [InlineData("missing exp", ReasonCode.MissingClaim)]
    [InlineData("missing iss", ReasonCode.MissingClaim)]
    [InlineData("missing aud", ReasonCode.MissingClaim)]
    [InlineData("empty aud array", ReasonCode.MissingClaim)]
    [InlineData("missing jti", ReasonCode.MissingJti)]
    [InlineData("empty jti", ReasonCode.MissingJti)]
    [InlineData("revoked jti", ReasonCode.RevokedToken)]
    [InlineData("jti revoked for another integration", ReasonCode.Accepted)]
    [InlineData("scope missing", ReasonCode.InsufficientScope)]
    [InlineData("scope other", ReasonCode.InsufficientScope)]
    [InlineData("scope prefix only", ReasonCode.InsufficientScope)]
    [InlineData("scope among several", ReasonCode.Accepted)]
    [InlineData("scp array", ReasonCode.Accepted)]
    [InlineData("scp array without scope", ReasonCode.InsufficientScope)]
    [InlineData("scp string", ReasonCode.Accepted)]
    [InlineData("scp string with several", ReasonCode.Accepted)]
    [InlineData("scope array with a padded entry", ReasonCode.InsufficientScope)]
    [InlineData("scp empty string", ReasonCode.InsufficientScope)]
    [InlineData("tampered header, first char", ReasonCode.MalformedToken)]
    [InlineData("tampered header, inside a string", ReasonCode.BadSignature)]
    [InlineData("tampered payload, first char", ReasonCode.MalformedToken)]
    [InlineData("tampered payload, inside a string", ReasonCode.BadSignature)]
    [InlineData("tampered signature", ReasonCode.BadSignature)]
    [InlineData("signature truncated to one byte", ReasonCode.BadSignature)]
    [InlineData("signature truncated to 16 bytes", ReasonCode.BadSignature)]
    [InlineData("signature not base64url", ReasonCode.MalformedToken)]
    [InlineData("signature missing", ReasonCode.BadSignature)]
    [InlineData("unknown kid", ReasonCode.UnknownKid)]
    [InlineData("empty string", ReasonCode.MissingToken)]
    [InlineData("garbage", ReasonCode.MalformedToken)]
    [InlineData("two segments", ReasonCode.MalformedToken)]
    [InlineData("four segments", ReasonCode.MalformedToken)]
    [InlineData("three empty segments", ReasonCode.MalformedToken)]
    [InlineData("leading dot", ReasonCode.MalformedToken)]
    [InlineData("three garbage segments", ReasonCode.MalformedToken)]
    [InlineData("five segments", ReasonCode.EncryptedToken)]
    [InlineData("six segments", ReasonCode.MalformedToken)]
    [InlineData("header not JSON", ReasonCode.MalformedToken)]
    [InlineData("too large", ReasonCode.TokenTooLarge)]
    [InlineData("too large garbage", ReasonCode.TokenTooLarge)]
    [InlineData("too large, unknown integration", ReasonCode.TokenTooLarge)]
    [InlineData("duplicate exp", ReasonCode.DuplicateMember)]
    [InlineData("duplicate alg", ReasonCode.DuplicateMember)]
    [InlineData("escaped duplicate exp", ReasonCode.DuplicateMember)]
    [InlineData("escaped duplicate alg", ReasonCode.DuplicateMember)]
    [InlineData("jku header", ReasonCode.ForbiddenHeader)]
    [InlineData("x5u header", ReasonCode.ForbiddenHeader)]
    [InlineData("jwk header", ReasonCode.ForbiddenHeader)]
    [InlineData("x5c header", ReasonCode.ForbiddenHeader)]
    [InlineData("crit header", ReasonCode.UnknownCriticalHeader)]
    [InlineData("unknown integration", ReasonCode.UnknownIntegration)]
    [InlineData("keys unavailable", ReasonCode.KeysUnavailable)]
    public async Task Attack_table_gives_the_exact_reason(string name, ReasonCode expected)
    {
        var (integration, token) = await Case(name);

        var check = await Validate(token, integration);

        Assert.Equal(expected, check.Reason);
        Assert.Equal(expected == ReasonCode.Accepted, check.Succeeded);
    }

    [Fact]
    public async Task Missing_token_is_refused_as_missing()
    {
        var check = await _validator.ValidateAsync("demo", null);

        Assert.Equal(ReasonCode.MissingToken, check.Reason);
    }

    [Fact]
    public async Task Token_of_exactly_the_maximum_size_is_read_and_one_more_char_is_not()
    {
        var atLimit = Padded(8192);
        var overLimit = Padded(8193);

        Assert.Equal(ReasonCode.Accepted, (await Validate(atLimit)).Reason);
        Assert.Equal(ReasonCode.TokenTooLarge, (await Validate(overLimit)).Reason);
    }

    [Fact]
    public async Task Too_large_token_is_refused_before_anything_is_read()
    {
        var keys = new Mock<ISigningKeySource>(MockBehavior.Strict);
        var validator = CreateValidator(new Integration("watched", Options(VerificationMethod.SharedSecret, "HS256"), keys.Object, TimeSpan.FromSeconds(60)));
        var token = Sign(Header(), new Dictionary<string, object?>(Claims()) { ["pad"] = new string('p', 9000) });

        var check = await validator.ValidateAsync("watched", token);

        Assert.Equal(ReasonCode.TokenTooLarge, check.Reason);
        // Nothing of the token reached the log fields or the key source: it was never parsed.
        Assert.Same(CallerInfo.Unknown, check.Caller);
        keys.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Accepted_token_reports_the_verified_caller()
    {
        var claims = Claims();
        claims["scope"] = "events:write events:read";
        var token = Sign(Header(), claims);

        var check = await Validate(token);

        Assert.True(check.Succeeded);
        Assert.Equal(_v1, check.Caller.Kid);
        Assert.Equal(TestTokens.Issuer, check.Caller.Issuer);
        Assert.Equal("rule-42", check.Caller.Subject);
        Assert.Equal("HS256", check.Caller.Algorithm);
        Assert.Equal(JtiHash.Compute((string)claims["jti"]!), check.Caller.JtiHash);
        Assert.Equal(["events:write", "events:read"], check.Caller.Scopes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!), check.Caller.ExpiresOn);
    }

    [Fact]
    public async Task Same_jti_twice_per_request_is_a_replay()
    {
        var token = Good();

        var first = await Validate(token);
        var second = await Validate(token);

        Assert.Equal(ReasonCode.Accepted, first.Reason);
        Assert.Equal(ReasonCode.ReplayedJti, second.Reason);
    }

    [Fact]
    public async Task Same_jti_in_a_differently_signed_token_is_still_a_replay()
    {
        var claims = Claims();
        var first = Sign(Header(), claims);
        var second = Sign(TestTokens.Header("HS256"), claims);

        Assert.Equal(ReasonCode.Accepted, (await Validate(first)).Reason);
        Assert.Equal(ReasonCode.ReplayedJti, (await Validate(second)).Reason);
    }

    [Fact]
    public async Task Long_lived_token_is_accepted_on_every_request()
    {
        var token = With(c => c["exp"] = (Now + TimeSpan.FromDays(20)).ToUnixTimeSeconds());

        Assert.Equal(ReasonCode.Accepted, (await Validate(token, "pasted")).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(token, "pasted")).Reason);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(ReasonCode.Accepted, (await Validate(token, "pasted")).Reason);
    }

    [Fact]
    public async Task Rejected_token_does_not_use_up_its_jti()
    {
        var claims = Claims();
        claims["scope"] = "events:read";
        var refused = Sign(Header(), claims);
        claims["scope"] = "events:write";
        var good = Sign(Header(), claims);

        Assert.Equal(ReasonCode.InsufficientScope, (await Validate(refused)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(good)).Reason);
    }

    [Fact]
    public async Task Token_accepted_now_is_refused_once_the_clock_passes_exp_plus_skew()
    {
        var token = Good(); // exp = now + 5 min
        var pasted = With(c => c["exp"] = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds());

        Assert.Equal(ReasonCode.Accepted, (await Validate(pasted, "pasted")).Reason);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(59));
        Assert.Equal(ReasonCode.Accepted, (await Validate(pasted, "pasted")).Reason);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ReasonCode.TokenExpired, (await Validate(pasted, "pasted")).Reason);
        Assert.Equal(ReasonCode.TokenExpired, (await Validate(token)).Reason);
    }

    [Fact]
    public async Task Revocation_written_after_acceptance_takes_effect_on_the_next_reload()
    {
        var token = With(c => { c["jti"] = "pasted-1"; c["exp"] = (Now + TimeSpan.FromDays(20)).ToUnixTimeSeconds(); });
        Assert.Equal(ReasonCode.Accepted, (await Validate(token, "pasted")).Reason);

        var cli = new FileRevocationList(_revocations.FilePath, _time, NullLogger<FileRevocationList>.Instance);
        await cli.AddAsync(new Revocation { Integration = "pasted", JtiHash = JtiHash.Compute("pasted-1"), RevokedOn = Now });
        _time.Advance(FileRevocationList.ReloadInterval);

        Assert.Equal(ReasonCode.RevokedToken, (await Validate(token, "pasted")).Reason);
    }

    [Fact]
    public async Task Failing_secret_store_with_nothing_loaded_gives_keys_unavailable()
    {
        var store = new Mock<ISecretStore>();
        store.Setup(s => s.GetPropertiesOfSecretVersionsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SecretStoreUnavailableException("down"));
        var validator = CreateValidator(new Integration("cold", Options(VerificationMethod.SharedSecret, "HS256"), new SharedSecretKeySource(store.Object, SecretName, _time, NullLogger.Instance), TimeSpan.FromSeconds(60)));

        var check = await validator.ValidateAsync("cold", Good());

        Assert.Equal(ReasonCode.KeysUnavailable, check.Reason);
    }

    [Theory]
    [InlineData("RS256", "pem")]
    [InlineData("RS256", "pkcs1-pem")]
    [InlineData("RS256", "jwk")]
    [InlineData("PS256", "pem")]
    [InlineData("PS256", "jwk")]
    [InlineData("ES256", "pem")]
    [InlineData("ES256", "jwk")]
    public async Task Asymmetric_tokens_verify_with_keys_given_as_pem_or_jwk(string alg, string format)
    {
        var rsa = ConfigRsa;
        var ec = ConfigEc;
        var isEc = alg == "ES256";
        var key = new PublicKeyOptions
        {
            Kid = format == "jwk" ? null : "k1",
            Algorithm = isEc ? null : alg, // an EC key's curve fixes it
            Pem = format switch
            {
                "pem" => isEc ? ec.ExportSubjectPublicKeyInfoPem() : rsa.ExportSubjectPublicKeyInfoPem(),
                "pkcs1-pem" => rsa.ExportRSAPublicKeyPem(),
                _ => null,
            },
            Jwk = format == "jwk" ? (isEc ? TestTokens.PublicJwk(ec, "k1") : TestTokens.PublicJwk(rsa, "k1")) : null,
        };
        var validator = CreateValidator(new Integration("asym", Options(VerificationMethod.PublicKeys, alg), new StaticKeySource([PublicKeyParser.Parse(key)]), TimeSpan.FromSeconds(60)));
        var sign = isEc ? TestTokens.Ecdsa(ec) : TestTokens.Rsa(rsa, alg);
        var signWithOther = isEc ? TestTokens.Ecdsa(OtherEc) : TestTokens.Rsa(OtherRsa, alg);

        var good = await validator.ValidateAsync("asym", TestTokens.Create(TestTokens.Header(alg, "k1"), Claims(), sign));
        var noKid = await validator.ValidateAsync("asym", TestTokens.Create(TestTokens.Header(alg), Claims(), sign));
        var otherKey = await validator.ValidateAsync("asym", TestTokens.Create(TestTokens.Header(alg, "k1"), Claims(), signWithOther));
        var unknownKid = await validator.ValidateAsync("asym", TestTokens.Create(TestTokens.Header(alg, "k2"), Claims(), sign));

        Assert.Equal(ReasonCode.Accepted, good.Reason);
        Assert.Equal(ReasonCode.Accepted, noKid.Reason);
        Assert.Equal(ReasonCode.BadSignature, otherKey.Reason);
        Assert.Equal(ReasonCode.UnknownKid, unknownKid.Reason);
    }

    [Fact]
    public async Task Rs256_signature_does_not_pass_for_ps256_and_the_reverse()
    {
        var both = CreateValidator(new Integration("both", Options(VerificationMethod.PublicKeys, "RS256", "PS256"),
            new StaticKeySource([PublicKeyParser.Parse(new PublicKeyOptions { Kid = "k1", Pem = RsaPem, Algorithm = "RS256" })]), TimeSpan.FromSeconds(60)));

        var rsAsPs = await both.ValidateAsync("both", TestTokens.Create(TestTokens.Header("PS256", "k1"), Claims(), TestTokens.Rsa(_rsa, "RS256")));
        var psAsRs = await both.ValidateAsync("both", TestTokens.Create(TestTokens.Header("RS256", "k1"), Claims(), TestTokens.Rsa(_rsa, "PS256")));

        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, rsAsPs.Reason);
        Assert.Equal(ReasonCode.BadSignature, psAsRs.Reason);
    }

    [Fact]
    public async Task A_key_verifies_its_own_algorithm_only_and_a_token_without_kid_meets_the_keys_of_its_alg_only()
    {
        // One RSA key pair configured for RS256 and PS256 would accept either signature: the issue
        // RFC 8725 3.1 names. Here the pair is configured for RS256; a PS256 key is another pair.
        var psRsa = OtherRsa;
        var keys = CreateValidator(new Integration("keys", Options(VerificationMethod.PublicKeys, "RS256", "PS256", "ES256", "ES384"),
            new StaticKeySource(
            [
                PublicKeyParser.Parse(new PublicKeyOptions { Kid = "rs", Pem = RsaPem, Algorithm = "RS256" }),
                PublicKeyParser.Parse(new PublicKeyOptions { Jwk = TestTokens.PublicJwk(psRsa, "ps", "PS256") }),
                PublicKeyParser.Parse(new PublicKeyOptions { Kid = "ec", Pem = ConfigEc.ExportSubjectPublicKeyInfoPem() }),
            ]), TimeSpan.FromSeconds(60)));
        async Task<ReasonCode> Check(string alg, string? kid, Func<byte[], byte[]> sign) =>
            (await keys.ValidateAsync("keys", TestTokens.Create(TestTokens.Header(alg, kid), Claims(), sign))).Reason;

        Assert.Equal(ReasonCode.Accepted, await Check("RS256", "rs", TestTokens.Rsa(_rsa)));
        Assert.Equal(ReasonCode.Accepted, await Check("PS256", "ps", TestTokens.Rsa(psRsa, "PS256")));
        Assert.Equal(ReasonCode.Accepted, await Check("ES256", "ec", TestTokens.Ecdsa(ConfigEc)));
        Assert.Equal(ReasonCode.Accepted, await Check("PS256", null, TestTokens.Rsa(psRsa, "PS256")));
        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, await Check("PS256", "rs", TestTokens.Rsa(_rsa, "PS256")));
        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, await Check("RS256", "ps", TestTokens.Rsa(psRsa)));
        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, await Check("ES384", "ec", TestTokens.Ecdsa(ConfigEc, "ES384")));
        Assert.Equal(ReasonCode.KeyAlgorithmMismatch, await Check("ES384", null, TestTokens.Ecdsa(ConfigEc, "ES384")));
        Assert.Equal(ReasonCode.BadSignature, await Check("PS256", null, TestTokens.Rsa(_rsa, "PS256")));
    }

    [Fact]
    public async Task Rotation_previous_and_current_versions_both_verify()
    {
        var v1Token = Good();
        Assert.Equal(ReasonCode.Accepted, (await Validate(v1Token)).Reason);

        const string Secret2 = "demo-shared-secret-second-version-9876543";
        var v2 = (await _store.SetSecretAsync(SecretName, Secret2)).Version;
        // A token naming the new version triggers an early reload once the minimum interval has passed.
        _time.Advance(SharedSecretKeySource.MinRefetchInterval);

        var byV1 = Sign(Header(), Claims());
        var byV2 = Sign(TestTokens.Header("HS256", v2), Claims(), Secret2);
        var byV2NoKid = Sign(TestTokens.Header("HS256"), Claims(), Secret2);
        var byV1NoKid = Sign(TestTokens.Header("HS256"), Claims());
        var v2KidButV1Secret = Sign(TestTokens.Header("HS256", v2), Claims());

        Assert.Equal(ReasonCode.Accepted, (await Validate(byV2)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(byV1)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(byV2NoKid)).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(byV1NoKid)).Reason);
        Assert.Equal(ReasonCode.BadSignature, (await Validate(v2KidButV1Secret)).Reason);
    }

    [Fact]
    public async Task Rotation_keeps_only_the_current_and_the_previous_version()
    {
        var v2 = (await _store.SetSecretAsync(SecretName, "demo-shared-secret-second-version-9876543")).Version;
        var v3 = (await _store.SetSecretAsync(SecretName, "demo-shared-secret-third-version-55555555")).Version;
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(TestTokens.Header("HS256", v3), Claims(), "demo-shared-secret-third-version-55555555"))).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(TestTokens.Header("HS256", v2), Claims(), "demo-shared-secret-second-version-9876543"))).Reason);
        Assert.Equal(ReasonCode.UnknownKid, (await Validate(Good())).Reason);
        Assert.Equal(ReasonCode.BadSignature, (await Validate(Sign(TestTokens.Header("HS256"), Claims()))).Reason);
    }

    [Fact]
    public async Task Rotation_disabled_version_stops_verifying_after_the_refresh()
    {
        const string Secret2 = "demo-shared-secret-second-version-9876543";
        var v2 = (await _store.SetSecretAsync(SecretName, Secret2)).Version;
        var v1Properties = (await _store.GetPropertiesOfSecretVersionsAsync(SecretName)).Single(p => p.Version == _v1);
        await _store.UpdateSecretPropertiesAsync(v1Properties with { Enabled = false });
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        Assert.Equal(ReasonCode.UnknownKid, (await Validate(Good())).Reason);
        Assert.Equal(ReasonCode.BadSignature, (await Validate(Sign(TestTokens.Header("HS256"), Claims()))).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(TestTokens.Header("HS256", v2), Claims(), Secret2))).Reason);
    }

    [Fact]
    public async Task Rotation_expired_version_stops_verifying_at_its_expiry_without_waiting_for_a_refresh()
    {
        const string Secret2 = "demo-shared-secret-second-version-9876543";
        var v2 = (await _store.SetSecretAsync(SecretName, Secret2)).Version;
        var v1Properties = (await _store.GetPropertiesOfSecretVersionsAsync(SecretName)).Single(p => p.Version == _v1);
        await _store.UpdateSecretPropertiesAsync(v1Properties with { ExpiresOn = Now + SharedSecretKeySource.RefreshInterval + TimeSpan.FromMinutes(2) });
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        // Reloaded while v1 is still valid: both verify.
        Assert.Equal(ReasonCode.Accepted, (await Validate(Good())).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(TestTokens.Header("HS256", v2), Claims(), Secret2))).Reason);

        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(ReasonCode.UnknownKid, (await Validate(Good())).Reason);
        Assert.Equal(ReasonCode.BadSignature, (await Validate(Sign(TestTokens.Header("HS256"), Claims()))).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(Sign(TestTokens.Header("HS256", v2), Claims(), Secret2))).Reason);
    }

    [Fact]
    public async Task Version_created_already_expired_never_verifies()
    {
        const string Secret2 = "demo-shared-secret-second-version-9876543";
        var v2 = (await _store.SetSecretAsync(SecretName, Secret2, new SecretAttributes { ExpiresOn = Now - TimeSpan.FromSeconds(1) })).Version;
        _time.Advance(SharedSecretKeySource.RefreshInterval);

        Assert.Equal(ReasonCode.UnknownKid, (await Validate(Sign(TestTokens.Header("HS256", v2), Claims(), Secret2))).Reason);
        Assert.Equal(ReasonCode.Accepted, (await Validate(Good())).Reason);
    }

    [Fact]
    public async Task Caller_fields_of_a_rejected_token_are_clipped()
    {
        var longSub = new string('s', 500);
        var token = With(c => { c["sub"] = longSub; c["iss"] = new string('i', 500); });

        var check = await Validate(token);

        Assert.Equal(ReasonCode.InvalidIssuer, check.Reason);
        Assert.Equal(CallerInfo.MaxLength, check.Caller.Subject!.Length);
        Assert.Equal(CallerInfo.MaxLength, check.Caller.Issuer!.Length);
    }
}
