using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// Cost of validating one token, per algorithm, as three rows over the same token:
/// <list type="bullet">
/// <item><c>RawCrypto</c> (baseline): what the signature alone costs, with the key set up once as
/// the validator's own keys are: a keyed HMACSHA256 instance reused over the signing input and a
/// constant-time compare, or one ECDsa / RSA verify with a key imported beforehand. Base64url
/// decoding of the signature and the ASCII bytes of the signing input are included.</item>
/// <item><c>RawHmacOneShot</c>: HS256 only (the other algorithms repeat RawCrypto): the one-line
/// <c>HMACSHA256.HashData(key, input)</c>, which sets the key up on every call.</item>
/// <item><c>TokenValidator</c>: the app's validator on the same token every call, as a Jira
/// automation rule sends its pasted token: the integration is a long-lived rule token, so from
/// the second call on the token is a memo hit (<c>TokenMemo</c>: what it says is not read again).
/// Per call: size, the signature part's spelling, header policy, key lookup, key/algorithm binding,
/// signature, iss, aud, exp, nbf, iat, lifetime cap, revocation (the app's file list, empty).</item>
/// <item><c>TokenValidatorCold</c>: the same validator on a token it has never seen, every call:
/// a pool of <see cref="ColdPoolSize"/> tokens (each its own jti) cycled through a per-request
/// integration, which never memoizes, so every call reads, parses and checks everything (size,
/// parse, duplicate members, header policy, key lookup, signature, iss, aud, times, lifetime cap,
/// jti, revocation, scopes, replay reservation). The reservation is a stub that always grants
/// one (a real store would refuse the pool's second round; its cost is the store's, not the validator's).</item>
/// <item><c>ObviousCall</c>: <c>JsonWebTokenHandler.ValidateTokenAsync</c> with equivalent
/// parameters, the call most code makes, for comparison.</item>
/// </list>
/// With <c>Algorithm = Connect</c> the token is an Atlassian Connect JWT (HS256 with a tenant's
/// shared secret, a <c>qsh</c> claim) for a webhook request with a query, and <c>TokenValidator</c>
/// is the Connect check of that request: tenant by <c>iss</c> (held in memory), signature, times,
/// and the query string hash of method, path and query. <c>RawCrypto</c> is the keyed HMAC of the
/// same signing input; <c>ObviousCall</c> checks the signature, issuer and times but not the qsh.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ValidationBenchmarks
{
    private const string Integration = "bench";
    private const string Issuer = "bench-issuer";
    private const string Audience = "jira-auth-functions";

    private string _token = "";
    private byte[] _hmacKey = [];
    private HMACSHA256? _hmac;
    private ECDsa? _ecdsa;
    private RSA? _rsa;
    private TokenValidator? _validator;

    /// <summary>Distinct tokens cycled by <c>TokenValidatorCold</c>.</summary>
    public const int ColdPoolSize = 256;
    private const string ColdIntegration = "bench-cold";
    private string[] _coldTokens = [];
    private int _nextCold;
    private TokenValidator? _coldValidator;
    private ISecretStore _secretStore = new FileSecretStore(Path.Combine(Path.GetTempPath(), "jiraauth-bench-unused", "secrets.json"), TimeProvider.System);
    private JsonWebTokenHandler _handler = new();
    private TokenValidationParameters? _parameters;

    private Integration? _connectIntegration;
    private JiraAuthFunctions.Schemes.Connect.ConnectTokenValidator? _connectValidator;
    private InboundRequest? _connectRequest;

    [ParamsSource(nameof(Algorithms))]
    public string Algorithm { get; set; } = "HS256";

    /// <summary>Every algorithm, or those in <c>JIRAAUTH_BENCH_ALGORITHMS</c> (comma-separated) to run some rows only.</summary>
    public static IEnumerable<string> Algorithms =>
        Environment.GetEnvironmentVariable("JIRAAUTH_BENCH_ALGORITHMS")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? ["HS256", "ES256", "RS256", "Connect"];

    [GlobalSetup]
    public void Setup()
    {
        if (Algorithm == "Connect")
        {
            ConnectSetup();
            return;
        }

        var (signingKey, verifyingKey, integration) = Algorithm switch
        {
            "HS256" => HmacSetup(),
            "ES256" => EcdsaSetup(),
            _ => RsaSetup(),
        };

        var now = DateTime.UtcNow;
        string Mint() => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddDays(30),
            Claims = new Dictionary<string, object> { ["sub"] = "rule-42", ["jti"] = Guid.NewGuid().ToString("N"), ["scope"] = "events:write" },
            SigningCredentials = new SigningCredentials(signingKey, Algorithm),
        });
        _token = Mint();
        _coldTokens = [.. Enumerable.Range(0, ColdPoolSize).Select(_ => Mint())];

        var options = new InboundOptions();
        options.Integrations[Integration] = integration;
        _validator = new TokenValidator(
            IntegrationRegistry.Create(options, _secretStore, new HttpClient(), TimeProvider.System, NullLoggerFactory.Instance),
            new MemoryReplayCache(TimeProvider.System),
            new FileRevocationList(Path.Combine(Path.GetTempPath(), $"jiraauth-bench-{Guid.NewGuid():N}", "revocations.json"), TimeProvider.System, NullLogger<FileRevocationList>.Instance),
            Microsoft.Extensions.Options.Options.Create(options),
            TimeProvider.System);

        // The same settings and keys, per-request replay: nothing is memoized.
        var coldOptions = new InboundOptions();
        var cold = IntegrationFor(Algorithm, integration.Verification!.Value);
        cold.PublicKeys.AddRange(integration.PublicKeys);
        cold.SharedSecretName = Algorithm == "HS256" ? SecretNames.ForIntegration(Integration) : null;
        cold.Replay = ReplayProtection.PerRequest;
        coldOptions.Integrations[ColdIntegration] = cold;
        _coldValidator = new TokenValidator(
            IntegrationRegistry.Create(coldOptions, _secretStore, new HttpClient(), TimeProvider.System, NullLoggerFactory.Instance),
            new GrantingReplayCache(),
            new FileRevocationList(Path.Combine(Path.GetTempPath(), $"jiraauth-bench-{Guid.NewGuid():N}", "revocations.json"), TimeProvider.System, NullLogger<FileRevocationList>.Instance),
            Microsoft.Extensions.Options.Options.Create(coldOptions),
            TimeProvider.System);

        _parameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            ValidAlgorithms = [Algorithm],
            IssuerSigningKey = verifyingKey,
            ClockSkew = TimeSpan.FromSeconds(60),
        };

        // Every row must accept the token, or the figures mean nothing.
        if (!RawCrypto() || !RawHmacOneShot() || !TokenValidator().Result || !ObviousCall().Result || !_coldTokens.All(t => _coldValidator.ValidateAsync(ColdIntegration, t).Result.Succeeded))
        {
            throw new InvalidOperationException($"{Algorithm}: a row does not accept the benchmark token.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool RawCrypto()
    {
        var dot = _token.LastIndexOf('.');
        Span<byte> input = stackalloc byte[dot];
        Encoding.ASCII.GetBytes(_token.AsSpan(0, dot), input);
        Span<byte> signature = stackalloc byte[512];
        var signatureLength = Base64Url.DecodeFromChars(_token.AsSpan(dot + 1), signature);
        signature = signature[..signatureLength];

        switch (Algorithm)
        {
            case "HS256" or "Connect":
                Span<byte> mac = stackalloc byte[32];
                _hmac!.TryComputeHash(input, mac, out _);
                return CryptographicOperations.FixedTimeEquals(mac, signature);
            case "ES256":
                return _ecdsa!.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            default:
                return _rsa!.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }

    [Benchmark]
    public bool RawHmacOneShot()
    {
        if (Algorithm is not ("HS256" or "Connect"))
        {
            return RawCrypto();
        }

        var dot = _token.LastIndexOf('.');
        Span<byte> input = stackalloc byte[dot];
        Encoding.ASCII.GetBytes(_token.AsSpan(0, dot), input);
        Span<byte> signature = stackalloc byte[64];
        var signatureLength = Base64Url.DecodeFromChars(_token.AsSpan(dot + 1), signature);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_hmacKey, input, mac);
        return CryptographicOperations.FixedTimeEquals(mac, signature[..signatureLength]);
    }

    [Benchmark]
    public async Task<bool> TokenValidator() => Algorithm == "Connect"
        ? (await _connectValidator!.ValidateRequestAsync(_connectIntegration!, _connectRequest!)).Succeeded
        : (await _validator!.ValidateAsync(Integration, _token)).Succeeded;

    [Benchmark]
    public async Task<bool> TokenValidatorCold()
    {
        if (Algorithm == "Connect")
        {
            return await TokenValidator(); // Connect tokens are never memoized: TokenValidator is their cold cost
        }

        var token = _coldTokens[_nextCold];
        _nextCold = (_nextCold + 1) % _coldTokens.Length;
        return (await _coldValidator!.ValidateAsync(ColdIntegration, token)).Succeeded;
    }

    [Benchmark]
    public async Task<bool> ObviousCall() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    private (SecurityKey Signing, SecurityKey Verifying, IntegrationOptions Integration) HmacSetup()
    {
        // The real shared-secret path: a secret in the local file store, read (once) by the validator's key source.
        var store = new FileSecretStore(Path.Combine(Path.GetTempPath(), $"jiraauth-bench-{Guid.NewGuid():N}", "secrets.json"), TimeProvider.System);
        var secret = store.SetSecretAsync(SecretNames.ForIntegration(Integration), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Result;
        _secretStore = store;
        _hmacKey = Encoding.UTF8.GetBytes(store.GetSecretAsync(secret.Name).Result!.Value);
        _hmac = new HMACSHA256(_hmacKey);
        var key = new SymmetricSecurityKey(_hmacKey) { KeyId = secret.Version };
        return (key, key, IntegrationFor("HS256", VerificationMethod.SharedSecret));
    }

    // A tenant installed in the real file store (read once, then held), a Connect integration, and
    // the request Jira would send to the descriptor's webhook URL /events/issue-created.
    private void ConnectSetup()
    {
        const string ClientKey = "jira:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
        var store = new FileSecretStore(Path.Combine(Path.GetTempPath(), $"jiraauth-bench-{Guid.NewGuid():N}", "secrets.json"), TimeProvider.System);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _hmacKey = Encoding.UTF8.GetBytes(secret);
        _hmac = new HMACSHA256(_hmacKey);

        var options = new InboundOptions();
        options.Integrations[Integration] = new IntegrationOptions { Verification = VerificationMethod.Connect, BaseUrl = new Uri("https://bench.example/api/connect/bench") };
        var registry = IntegrationRegistry.Create(options, store, new HttpClient(), TimeProvider.System, NullLoggerFactory.Instance);
        registry.TryGet(Integration, out _connectIntegration);
        _connectIntegration!.Connect!.Tenants.SaveAsync(new JiraAuthFunctions.Schemes.Connect.ConnectTenant(ClientKey, "https://bench.atlassian.net", secret)).GetAwaiter().GetResult();
        _connectValidator = new JiraAuthFunctions.Schemes.Connect.ConnectTokenValidator(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

        const string EventPath = "/api/connect/bench/events/issue-created";
        const string Query = "user_id=5b10a&user_key=admin&issue_key=OPS-1&project_key=OPS";
        var now = DateTime.UtcNow;
        var key = new SymmetricSecurityKey(_hmacKey);
        _token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ClientKey,
            IssuedAt = now,
            Expires = now.AddMinutes(3),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "557058:f0e1d2c3",
                ["qsh"] = JiraAuthFunctions.Schemes.Connect.QueryStringHash.Compute("POST", "/events/issue-created", Query),
            },
            SigningCredentials = new SigningCredentials(key, "HS256"),
        });
        var authorization = "JWT " + _token;
        _connectRequest = new InboundRequest
        {
            Method = "POST",
            Path = EventPath,
            Query = Query,
            Header = name => name == "Authorization" ? authorization : null,
        };

        _parameters = new TokenValidationParameters
        {
            ValidIssuer = ClientKey,
            ValidateAudience = false,
            ValidAlgorithms = ["HS256"],
            IssuerSigningKey = key,
            ClockSkew = TimeSpan.FromSeconds(60),
        };

        if (!RawCrypto() || !RawHmacOneShot() || !TokenValidator().Result || !ObviousCall().Result)
        {
            throw new InvalidOperationException("Connect: a row does not accept the benchmark token.");
        }
    }

    private (SecurityKey Signing, SecurityKey Verifying, IntegrationOptions Integration) EcdsaSetup()
    {
        var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicPem = signing.ExportSubjectPublicKeyInfoPem();
        _ecdsa = ECDsa.Create();
        _ecdsa.ImportFromPem(publicPem);
        return (new ECDsaSecurityKey(signing) { KeyId = "ec1" }, new ECDsaSecurityKey(_ecdsa) { KeyId = "ec1" }, PublicKeyOptions("ES256", "ec1", publicPem));
    }

    private (SecurityKey Signing, SecurityKey Verifying, IntegrationOptions Integration) RsaSetup()
    {
        var signing = RSA.Create(2048);
        var publicPem = signing.ExportSubjectPublicKeyInfoPem();
        _rsa = RSA.Create();
        _rsa.ImportFromPem(publicPem);
        return (new RsaSecurityKey(signing) { KeyId = "rsa1" }, new RsaSecurityKey(_rsa) { KeyId = "rsa1" }, PublicKeyOptions("RS256", "rsa1", publicPem));
    }

    private static IntegrationOptions IntegrationFor(string algorithm, VerificationMethod method) => new()
    {
        Verification = method,
        Issuers = [Issuer],
        Audience = Audience,
        Algorithms = [algorithm],
        RequiredScopes = ["events:write"],
        MaxTokenLifetime = TimeSpan.FromDays(90),
        Replay = ReplayProtection.LongLivedToken,
    };

    private static IntegrationOptions PublicKeyOptions(string algorithm, string kid, string pem)
    {
        var options = IntegrationFor(algorithm, VerificationMethod.PublicKeys);
        // An RSA key names its one algorithm (PublicKeyParser refuses one without); an EC key's curve fixes it, named all the same.
        options.PublicKeys.Add(new PublicKeyOptions { Kid = kid, Pem = pem, Algorithm = algorithm });
        return options;
    }

    /// <summary>Grants every jti (the same held reservation, nothing allocated): so a pool of tokens can be cycled, and the row is the validator's cost alone.</summary>
    private sealed class GrantingReplayCache : IReplayCache
    {
        private static readonly ReplayReservation Granted = new Held();

        public ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

        public ValueTask<ReplayReservation?> TryReserveAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<ReplayReservation?>(Granted);

        private sealed class Held() : ReplayReservation(ColdIntegration, DateTimeOffset.MaxValue)
        {
            public override DateTimeOffset HeldUntil => DateTimeOffset.MaxValue;

            protected override ValueTask<bool> RenewCoreAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

            protected override ValueTask<bool> CommitCoreAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

            protected override ValueTask ReleaseCoreAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// Cost of verifying one Jira webhook's <c>X-Hub-Signature</c>, against raw HMAC-SHA256 of the
/// same body, at a typical and a large body size:
/// <list type="bullet">
/// <item><c>RawHmac</c> (baseline): <c>HMACSHA256.HashData(key, body)</c> and a constant-time compare
/// with the expected MAC already decoded: the least any verifier of this header must do.</item>
/// <item><c>HubSignature</c>: the app's <see cref="WebhookSignatureVerifier"/> as a request runs it:
/// header parse (prefix, strict hex), key lookup from the real shared-secret source (file store,
/// read once), HMAC, compare, delivery id and its retry key.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class WebhookSignatureBenchmarks
{
    private const string Integration = "bench-hooks";

    private byte[] _body = [];
    private byte[] _key = [];
    private byte[] _expected = [];
    private InboundRequest _request = null!;
    private Integration _integration = null!;
    private readonly WebhookSignatureVerifier _verifier = new();

    /// <summary>A Jira issue event is a few KB; one with many custom fields reaches tens of KB.</summary>
    [Params(4 * 1024, 64 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var store = new FileSecretStore(Path.Combine(Path.GetTempPath(), $"jiraauth-bench-{Guid.NewGuid():N}", "secrets.json"), TimeProvider.System);
        var secret = store.SetSecretAsync(SecretNames.ForIntegration(Integration), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Result;
        _key = Encoding.UTF8.GetBytes(store.GetSecretAsync(secret.Name).Result!.Value);

        var prefix = """{"timestamp":1718000000000,"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1","fields":{"summary":"Disk full on db-1","description":" """;
        _body = Encoding.UTF8.GetBytes(prefix + new string('x', BodyBytes - prefix.Length - 4) + "\"}}}");
        _expected = HMACSHA256.HashData(_key, _body);
        var signature = "sha256=" + Convert.ToHexStringLower(_expected);
        var deliveryId = Guid.NewGuid().ToString();
        _request = new InboundRequest
        {
            Method = "POST",
            Path = "/api/jira/events/" + Integration,
            Header = name => name switch
            {
                WebhookSignatureVerifier.SignatureHeader => signature,
                WebhookSignatureVerifier.DeliveryIdHeader => deliveryId,
                _ => null,
            },
            Body = _body,
        };
        _integration = new Integration(
            Integration,
            new IntegrationOptions { Verification = VerificationMethod.WebhookSecret },
            new SharedSecretKeySource(store, secret.Name, TimeProvider.System, NullLogger.Instance),
            TimeSpan.FromSeconds(60));

        // Both rows must accept the body, or the figures mean nothing.
        if (_body.Length != BodyBytes || !RawHmac() || !HubSignature().Result)
        {
            throw new InvalidOperationException($"{BodyBytes}: a row does not accept the benchmark body.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool RawHmac()
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, _body, mac);
        return CryptographicOperations.FixedTimeEquals(mac, _expected);
    }

    [Benchmark]
    public async Task<bool> HubSignature() => (await _verifier.VerifyAsync(_integration, _request)).Succeeded;
}
