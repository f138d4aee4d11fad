using System.Security.Cryptography;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Schemes;

public class InboundOptionsValidatorTests
{
    private static readonly RSA Rsa = RSA.Create(2048);
    private static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static IntegrationOptions SharedSecret() => new()
    {
        Verification = VerificationMethod.SharedSecret,
        Issuers = [TestTokens.Issuer],
        Audience = TestTokens.Audience,
        Algorithms = ["HS256"],
        RequiredScopes = ["events:write"],
    };

    private static IntegrationOptions PublicKeys(params PublicKeyOptions[] keys) => new()
    {
        Verification = VerificationMethod.PublicKeys,
        Issuers = [TestTokens.Issuer],
        Audience = TestTokens.Audience,
        Algorithms = ["RS256", "ES256"],
        PublicKeys = [.. keys],
    };

    private static IntegrationOptions Jwks(string uri) => new()
    {
        Verification = VerificationMethod.Jwks,
        Issuers = [TestTokens.Issuer],
        Audience = TestTokens.Audience,
        Algorithms = ["RS256"],
        JwksUri = new Uri(uri),
    };

    private static IntegrationOptions Connect() => new()
    {
        Verification = VerificationMethod.Connect,
        BaseUrl = new Uri("https://func.azurewebsites.net/api/connect/app"),
    };

    private static InboundOptions With(string name, IntegrationOptions integration) => new()
    {
        Integrations = new(StringComparer.Ordinal) { [name] = integration },
    };

    private static List<string> Errors(InboundOptions options)
    {
        var result = new InboundOptionsValidator().Validate(null, options);
        Assert.Equal(result.Failed, !result.Succeeded);
        return result.Failed ? [.. result.Failures!] : [];
    }

    [Fact]
    public void Valid_configuration_of_every_kind_passes()
    {
        var options = new InboundOptions
        {
            Integrations = new(StringComparer.Ordinal)
            {
                ["demo"] = SharedSecret(),
                ["keys"] = PublicKeys(
                    new PublicKeyOptions { Kid = "rsa-1", Pem = Rsa.ExportSubjectPublicKeyInfoPem(), Algorithm = "RS256" },
                    new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Ec, "ec-1") }),
                ["idp"] = Jwks("https://idp.example.com/.well-known/jwks.json"),
                ["app"] = Connect(),
            },
        };

        Assert.Empty(Errors(options));
        Assert.Empty(Errors(new InboundOptions()));
    }

    [Fact]
    public void Connect_needs_an_https_base_url_and_none_of_the_bearer_settings()
    {
        var integration = Connect();
        integration.BaseUrl = new Uri("http://func.azurewebsites.net/api/connect/app");
        integration.InstallKeysBaseUrl = new Uri("http://keys.example.com/");
        integration.ContextQshRoutes = ["panel"];
        integration.Issuers = ["someone"];
        integration.Algorithms = ["HS256"];

        Assert.Equal(
            [
                "Inbound:Integrations:app:BaseUrl is required for Verification Connect: the app descriptor's https baseUrl, e.g. https://<app>.azurewebsites.net/api/connect/<integration>.",
                "Inbound:Integrations:app:InstallKeysBaseUrl must use https (plain http is allowed for loopback only); it is 'http://keys.example.com/'.",
                "Inbound:Integrations:app:ContextQshRoutes entries are paths relative to BaseUrl starting with '/', without a query; 'panel' is not.",
                "Inbound:Integrations:app:Issuers does not apply to Verification Connect (issuers are tenants' clientKeys, algorithms are fixed by Connect): remove it.",
                "Inbound:Integrations:app:Algorithms does not apply to Verification Connect (issuers are tenants' clientKeys, algorithms are fixed by Connect): remove it.",
            ],
            Errors(With("app", integration)));
    }

    [Fact]
    public void Connect_defaults_to_atlassians_install_keys_and_allows_a_loopback_one()
    {
        var integration = Connect();
        Assert.Equal(new Uri("https://connect-install-keys.atlassian.com/"), integration.InstallKeysBaseUrl);

        integration.InstallKeysBaseUrl = new Uri("http://127.0.0.1:5000/keys/");
        integration.ContextQshRoutes = ["/panel"];
        Assert.Empty(Errors(With("app", integration)));
    }

    [Fact]
    public void Missing_audience_names_the_full_key()
    {
        var integration = SharedSecret();
        integration.Audience = " ";

        Assert.Equal(["Inbound:Integrations:demo:Audience is required."], Errors(With("demo", integration)));
    }

    [Fact]
    public void Every_mistake_is_reported_at_once()
    {
        var integration = SharedSecret();
        integration.Audience = null;
        integration.Issuers = [];
        var options = With("demo", integration);
        options.MaxTokenBytes = 100;

        var errors = Errors(options);

        Assert.Equal(3, errors.Count);
        Assert.Contains("Inbound:MaxTokenBytes must be between 512 and 65536; it is 100.", errors);
        Assert.Contains("Inbound:Integrations:demo:Audience is required.", errors);
        Assert.Contains("Inbound:Integrations:demo:Issuers needs at least one non-empty issuer.", errors);
    }

    [Fact]
    public void Mistakes_in_several_integrations_are_all_reported_each_under_its_own_key()
    {
        var a = SharedSecret();
        a.Algorithms = [];
        var b = SharedSecret();
        b.Verification = null;
        b.Algorithms = [];
        var options = new InboundOptions { Integrations = new(StringComparer.Ordinal) { ["a"] = a, ["b"] = b } };

        Assert.Equal(
            [
                "Inbound:Integrations:a:Algorithms needs at least one algorithm.",
                "Inbound:Integrations:b:Verification is required: SharedSecret, PublicKeys, Jwks, Connect, OAuthApp, Forge, WebhookSecret or ClientCredentials.",
                "Inbound:Integrations:b:Algorithms needs at least one algorithm.",
            ],
            Errors(options));
    }

    [Theory]
    [InlineData("ClockSkew", "Inbound:ClockSkew must be between 00:00:00 and 00:05:00; it is 00:05:01.")]
    [InlineData("ClockSkewNegative", "Inbound:ClockSkew must be between 00:00:00 and 00:05:00; it is -00:00:01.")]
    [InlineData("MaxTokenBytes", "Inbound:MaxTokenBytes must be between 512 and 65536; it is 65537.")]
    [InlineData("MaxBodyBytes", "Inbound:MaxBodyBytes must be between 1024 and 104857600; it is 1023.")]
    public void Global_limits_are_checked(string setting, string message)
    {
        var options = new InboundOptions();
        switch (setting)
        {
            case "ClockSkew": options.ClockSkew = TimeSpan.FromSeconds(301); break;
            case "ClockSkewNegative": options.ClockSkew = TimeSpan.FromSeconds(-1); break;
            case "MaxTokenBytes": options.MaxTokenBytes = 65537; break;
            case "MaxBodyBytes": options.MaxBodyBytes = 1023; break;
        }

        Assert.Equal([message], Errors(options));
    }

    [Theory]
    [InlineData("Demo")]
    [InlineData("demo_1")]
    [InlineData("demo/x")]
    [InlineData("")]
    public void Integration_names_must_be_url_segments(string name)
    {
        Assert.Equal([$"Inbound:Integrations:{name}: the name must be 1-64 lowercase letters, digits or '-', as it is a URL segment."], Errors(With(name, SharedSecret())));
    }

    [Fact]
    public void Integration_name_of_64_chars_passes_and_65_does_not()
    {
        Assert.Empty(Errors(With(new string('a', 64), SharedSecret())));
        Assert.Single(Errors(With(new string('a', 65), SharedSecret())));
    }

    [Fact]
    public void Hs256_with_public_keys_is_refused()
    {
        var integration = PublicKeys(new PublicKeyOptions { Kid = "rsa-1", Pem = Rsa.ExportSubjectPublicKeyInfoPem(), Algorithm = "RS256" });
        integration.Algorithms = ["RS256", "HS256"];

        var errors = Errors(With("keys", integration));

        Assert.Equal(["Inbound:Integrations:keys:Algorithms: 'HS256' cannot be used with Verification PublicKeys; allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512."], errors);
    }

    [Theory]
    [InlineData("HS256", VerificationMethod.Jwks)]
    [InlineData("HS512", VerificationMethod.Jwks)]
    [InlineData("RS256", VerificationMethod.SharedSecret)]
    [InlineData("none", VerificationMethod.SharedSecret)]
    [InlineData("none", VerificationMethod.Jwks)]
    [InlineData("hs256", VerificationMethod.SharedSecret)]
    public void Algorithm_must_fit_the_verification_method(string algorithm, VerificationMethod verification)
    {
        var integration = verification == VerificationMethod.SharedSecret ? SharedSecret() : Jwks("https://idp.example.com/jwks");
        integration.Algorithms = [algorithm];

        var error = Assert.Single(Errors(With("x", integration)));

        Assert.StartsWith($"Inbound:Integrations:x:Algorithms: '{algorithm}' cannot be used with Verification {verification}; allowed: ", error);
    }

    [Theory]
    [InlineData("rsa-pkcs8")]
    [InlineData("rsa-pkcs1")]
    [InlineData("ec-sec1")]
    [InlineData("ec-pkcs8")]
    [InlineData("encrypted-pkcs8")]
    public void Private_key_pem_is_refused(string kind)
    {
        var pem = kind switch
        {
            "rsa-pkcs8" => Rsa.ExportPkcs8PrivateKeyPem(),
            "rsa-pkcs1" => Rsa.ExportRSAPrivateKeyPem(),
            "ec-sec1" => Ec.ExportECPrivateKeyPem(),
            "ec-pkcs8" => Ec.ExportPkcs8PrivateKeyPem(),
            _ => Ec.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1)),
        };

        var errors = Errors(With("keys", PublicKeys(new PublicKeyOptions { Kid = "k", Pem = pem })));

        Assert.Equal(["Inbound:Integrations:keys:PublicKeys:0: the key cannot be read: The PEM holds a private key; configure the public key only."], errors);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void Private_key_jwk_is_refused(string kind)
    {
        string jwk;
        if (kind == "rsa")
        {
            var p = Rsa.ExportParameters(true);
            jwk = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["kty"] = "RSA", ["kid"] = "k", ["n"] = TestTokens.Encode(p.Modulus!), ["e"] = TestTokens.Encode(p.Exponent!),
                ["d"] = TestTokens.Encode(p.D!), ["p"] = TestTokens.Encode(p.P!), ["q"] = TestTokens.Encode(p.Q!),
                ["dp"] = TestTokens.Encode(p.DP!), ["dq"] = TestTokens.Encode(p.DQ!), ["qi"] = TestTokens.Encode(p.InverseQ!),
            });
        }
        else
        {
            var p = Ec.ExportParameters(true);
            jwk = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["kty"] = "EC", ["kid"] = "k", ["crv"] = "P-256", ["x"] = TestTokens.Encode(p.Q.X!), ["y"] = TestTokens.Encode(p.Q.Y!), ["d"] = TestTokens.Encode(p.D!),
            });
        }

        var errors = Errors(With("keys", PublicKeys(new PublicKeyOptions { Jwk = jwk })));

        Assert.Equal(["Inbound:Integrations:keys:PublicKeys:0: the key cannot be read: The JWK holds a private key; configure the public part only."], errors);
    }

    [Fact]
    public void Symmetric_jwk_is_refused()
    {
        var errors = Errors(With("keys", PublicKeys(new PublicKeyOptions { Jwk = """{"kty":"oct","kid":"k","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}""" })));

        Assert.Equal(["Inbound:Integrations:keys:PublicKeys:0: the key cannot be read: JWK key type 'oct' is not supported; use RSA or EC."], errors);
    }

    [Fact]
    public void Public_key_needs_exactly_one_of_pem_or_jwk_and_a_kid()
    {
        var pem = Rsa.ExportSubjectPublicKeyInfoPem();
        var integration = PublicKeys(
            new PublicKeyOptions { Kid = "a" },
            new PublicKeyOptions { Kid = "b", Pem = pem, Jwk = TestTokens.PublicJwk(Rsa, "b") },
            new PublicKeyOptions { Pem = pem, Algorithm = "RS256" },
            new PublicKeyOptions { Kid = "d", Pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----" });

        var errors = Errors(With("keys", integration));

        Assert.Equal(4, errors.Count);
        Assert.Equal("Inbound:Integrations:keys:PublicKeys:0: give exactly one of Pem or Jwk.", errors[0]);
        Assert.Equal("Inbound:Integrations:keys:PublicKeys:1: give exactly one of Pem or Jwk.", errors[1]);
        Assert.Equal("Inbound:Integrations:keys:PublicKeys:2:Kid is required (the JWK has no kid either).", errors[2]);
        Assert.StartsWith("Inbound:Integrations:keys:PublicKeys:3: the key cannot be read: ", errors[3]);
    }

    [Fact]
    public void Each_public_key_has_one_algorithm_that_fits_it_and_the_allow_list_naming_the_key()
    {
        var pem = Rsa.ExportSubjectPublicKeyInfoPem();
        using var small = RSA.Create(1024);
        var integration = PublicKeys(
            new PublicKeyOptions { Kid = "rsa-no-alg", Pem = pem },
            new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Rsa, "jwk-no-alg") },
            new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Rsa, "disagree", "PS256"), Algorithm = "RS256" },
            new PublicKeyOptions { Kid = "ec-384", Pem = Ec.ExportSubjectPublicKeyInfoPem(), Algorithm = "ES384" },
            new PublicKeyOptions { Kid = "not-listed", Pem = pem, Algorithm = "PS256" },
            new PublicKeyOptions { Kid = "small", Pem = small.ExportSubjectPublicKeyInfoPem(), Algorithm = "RS256" },
            new PublicKeyOptions { Kid = "rsa-ok", Pem = pem, Algorithm = "RS256" },
            new PublicKeyOptions { Jwk = TestTokens.PublicJwk(Rsa, "jwk-ok", "RS256") },
            new PublicKeyOptions { Kid = "ec-ok", Pem = Ec.ExportSubjectPublicKeyInfoPem() });

        var errors = Errors(With("keys", integration));

        Assert.Equal(
        [
            "Inbound:Integrations:keys:PublicKeys:0:Algorithm: an RSA key states no algorithm; name one of RS256, RS384, RS512, PS256, PS384, PS512 (a key verifies one algorithm only).",
            "Inbound:Integrations:keys:PublicKeys:1:Algorithm: an RSA key states no algorithm; name one of RS256, RS384, RS512, PS256, PS384, PS512 (a key verifies one algorithm only).",
            "Inbound:Integrations:keys:PublicKeys:2:Algorithm: Algorithm 'RS256' differs from the JWK's alg 'PS256'; give one, or the same.",
            "Inbound:Integrations:keys:PublicKeys:3:Algorithm: an EC key on this curve verifies ES256 only, not 'ES384'.",
            "Inbound:Integrations:keys:PublicKeys:4:Algorithm: the key verifies PS256, which is not one of Algorithms (RS256, ES256).",
            "Inbound:Integrations:keys:PublicKeys:5:Algorithm: the RSA key has 1024 bits; at least 2048 are required (RFC 7518 3.3).",
        ], errors);
    }

    [Fact]
    public void Shared_secret_verifies_exactly_one_algorithm()
    {
        var two = SharedSecret();
        two.Algorithms = ["HS256", "HS512"];

        Assert.Equal(["Inbound:Integrations:demo:Algorithms must name exactly one algorithm for Verification SharedSecret (the secret verifies that one only); it names HS256, HS512."], Errors(With("demo", two)));
    }

    [Fact]
    public void Jwks_rsa_algorithm_is_an_rsa_algorithm_on_the_allow_list_and_only_for_jwks()
    {
        var good = Jwks("https://idp.example.com/.well-known/jwks.json");
        good.JwksRsaAlgorithm = "RS256";
        var notRsa = Jwks("https://idp.example.com/.well-known/jwks.json");
        notRsa.JwksRsaAlgorithm = "ES256";
        var notListed = Jwks("https://idp.example.com/.well-known/jwks.json");
        notListed.JwksRsaAlgorithm = "PS256";
        var keys = PublicKeys(new PublicKeyOptions { Kid = "ec-ok", Pem = Ec.ExportSubjectPublicKeyInfoPem() });
        keys.JwksRsaAlgorithm = "RS256";

        Assert.Empty(Errors(With("idp", good)));
        Assert.Equal(["Inbound:Integrations:idp:JwksRsaAlgorithm 'ES256' is not an RSA signature algorithm; use one of RS256, RS384, RS512, PS256, PS384, PS512."], Errors(With("idp", notRsa)));
        Assert.Equal(["Inbound:Integrations:idp:JwksRsaAlgorithm 'PS256' is not one of Algorithms (RS256): keys given it would never verify."], Errors(With("idp", notListed)));
        Assert.Equal(["Inbound:Integrations:keys:JwksRsaAlgorithm is only used with Verification Jwks: remove it."], Errors(With("keys", keys)));
    }

    [Fact]
    public void Connect_base_url_without_a_trailing_slash_as_aud_is_compared_exactly()
    {
        var slash = Connect();
        slash.BaseUrl = new Uri("https://func.azurewebsites.net/api/connect/app/");

        Assert.Equal(["Inbound:Integrations:app:BaseUrl must not end with '/' (signed installs name the descriptor's baseUrl as aud, compared exactly: write both without it); it is 'https://func.azurewebsites.net/api/connect/app/'."], Errors(With("app", slash)));
    }

    [Fact]
    public void Public_keys_verification_needs_a_key()
    {
        Assert.Equal(["Inbound:Integrations:keys:PublicKeys needs at least one key for Verification PublicKeys."], Errors(With("keys", PublicKeys())));
    }

    [Theory]
    [InlineData("http://idp.example.com/jwks", false)]
    [InlineData("http://10.0.0.5/jwks", false)]
    [InlineData("ftp://idp.example.com/jwks", false)]
    [InlineData("http://127.0.0.1:5001/jwks", true)]
    [InlineData("http://localhost:5001/jwks", true)]
    [InlineData("http://[::1]:5001/jwks", true)]
    [InlineData("https://idp.example.com/jwks", true)]
    public void Jwks_url_must_be_https_except_on_loopback(string uri, bool allowed)
    {
        var errors = Errors(With("idp", Jwks(uri)));

        if (allowed)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal([$"Inbound:Integrations:idp:JwksUri must use https (plain http is allowed for loopback only); it is '{new Uri(uri)}'."], errors);
        }
    }

    [Fact]
    public void Jwks_needs_an_absolute_url_and_sane_intervals()
    {
        var integration = Jwks("https://idp.example.com/jwks");
        integration.JwksUri = new Uri("/jwks", UriKind.Relative);
        integration.JwksRefreshInterval = TimeSpan.FromSeconds(59);
        integration.JwksMinRefetchInterval = TimeSpan.FromMinutes(2);

        Assert.Equal(
            [
                "Inbound:Integrations:idp:JwksUri is required for Verification Jwks and must be an absolute URL.",
                "Inbound:Integrations:idp:JwksRefreshInterval must be at least 00:01:00.",
                "Inbound:Integrations:idp:JwksMinRefetchInterval must be at least 00:00:01 and at most JwksRefreshInterval.",
            ],
            Errors(With("idp", integration)));
    }

    [Theory]
    [InlineData("00:00:59", false)]
    [InlineData("00:01:00", true)]
    [InlineData("7.00:00:00", true)]
    [InlineData("7.00:00:01", false)]
    public void Jwks_max_staleness_is_bounded_for_jwks_and_forge(string staleness, bool allowed)
    {
        var jwks = Jwks("https://idp.example.com/jwks");
        jwks.JwksMaxStaleness = TimeSpan.Parse(staleness, System.Globalization.CultureInfo.InvariantCulture);
        var forge = Forge();
        forge.JwksMaxStaleness = jwks.JwksMaxStaleness;
        var options = With("idp", jwks);
        options.Integrations["forge"] = forge;

        Assert.Equal(
            allowed ? [] : [
                $"Inbound:Integrations:idp:JwksMaxStaleness must be between 00:01:00 and 7.00:00:00; it is {jwks.JwksMaxStaleness}.",
                $"Inbound:Integrations:forge:JwksMaxStaleness must be between 00:01:00 and 7.00:00:00; it is {jwks.JwksMaxStaleness}.",
            ],
            Errors(options));
    }

    [Fact]
    public void Key_fetch_back_off_is_checked_naming_each_key()
    {
        var options = With("idp", Jwks("https://idp.example.com/jwks"));
        options.KeyFetch.FailureBackoff = TimeSpan.FromMilliseconds(500);
        options.KeyFetch.MaxFailureBackoff = TimeSpan.FromHours(2);

        Assert.Equal(
            [
                "Inbound:KeyFetch:FailureBackoff must be between 00:00:01 and 00:10:00; it is 00:00:00.5000000.",
                "Inbound:KeyFetch:MaxFailureBackoff must be at least FailureBackoff and at most 01:00:00; it is 02:00:00.",
            ],
            Errors(options));
        Assert.Equal(TimeSpan.FromSeconds(5), new KeyFetchOptions().FailureBackoff);
        Assert.Equal(TimeSpan.FromMinutes(5), new KeyFetchOptions().MaxFailureBackoff);
        Assert.Equal(TimeSpan.FromHours(6), new IntegrationOptions().JwksMaxStaleness);
    }

    [Fact]
    public void Cache_settings_are_checked_naming_each_key_and_default_to_the_former_values()
    {
        var options = With("ci", SharedSecret());
        options.SharedSecretCache.MaxStaleness = TimeSpan.FromDays(30);
        options.ConnectTenantCache.MinRefetchInterval = TimeSpan.FromHours(1);

        Assert.Equal(
            [
                "Inbound:SharedSecretCache:MaxStaleness must be between 00:00:00 and 7.00:00:00; it is 30.00:00:00.",
                "Inbound:ConnectTenantCache:MinRefetchInterval must be at least 00:00:01 and at most Inbound:ConnectTenantCache:RefreshInterval; it is 01:00:00.",
            ],
            Errors(options));
        var defaults = new InboundOptions();
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromHours(1)), (defaults.SharedSecretCache.RefreshInterval, defaults.SharedSecretCache.MinRefetchInterval, defaults.SharedSecretCache.MaxStaleness));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.FromHours(1)), (defaults.ConnectTenantCache.RefreshInterval, defaults.ConnectTenantCache.MinRefetchInterval, defaults.ConnectTenantCache.MaxStaleness));
        Assert.NotSame(defaults.SharedSecretCache, new InboundOptions().SharedSecretCache); // binding one options instance never changes another's defaults
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(366 * 24 * 60, true)]
    [InlineData(366 * 24 * 60 + 1, false)]
    public void Max_token_lifetime_is_bounded(int minutes, bool allowed)
    {
        var integration = SharedSecret();
        integration.MaxTokenLifetime = TimeSpan.FromMinutes(minutes);

        var errors = Errors(With("demo", integration));

        Assert.Equal(allowed ? 0 : 1, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("Inbound:Integrations:demo:MaxTokenLifetime must be more than zero and at most 366 days;", e));
    }

    [Theory]
    [InlineData("events write")]
    [InlineData("")]
    [InlineData(" ")]
    public void Required_scopes_must_be_single_words(string scope)
    {
        var integration = SharedSecret();
        integration.RequiredScopes = ["events:write", scope];

        Assert.Equal(["Inbound:Integrations:demo:RequiredScopes entries must be single non-empty words."], Errors(With("demo", integration)));
    }

    [Theory]
    [InlineData("inbound_demo", false)]
    [InlineData("inbound demo", false)]
    [InlineData("", false)]
    [InlineData("inbound-demo-2", true)]
    public void Shared_secret_name_follows_key_vault_rules(string name, bool allowed)
    {
        var integration = SharedSecret();
        integration.SharedSecretName = name;

        var errors = Errors(With("demo", integration));

        Assert.Equal(allowed ? [] : [$"Inbound:Integrations:demo:SharedSecretName '{name}' is not a valid secret name: use 1-127 letters, digits and '-'."], errors);
    }

    private static IntegrationOptions OAuthApp(string? connection = "cloud") => new()
    {
        Verification = VerificationMethod.OAuthApp,
        JiraConnection = connection,
    };

    [Fact]
    public void OAuthApp_needs_only_its_jira_connection_and_defaults_to_hs256()
    {
        Assert.Empty(Errors(With("jira-app", OAuthApp())));
    }

    [Fact]
    public void OAuthApp_refuses_a_missing_connection_another_algorithm_and_long_lived_tokens_naming_each_key()
    {
        var bad = OAuthApp(connection: null);
        bad.Algorithms = ["HS512", "RS256"];
        bad.Replay = ReplayProtection.LongLivedToken;
        bad.Issuers = [" "];

        Assert.Equal(
            [
                "Inbound:Integrations:jira-app:Issuers needs at least one non-empty issuer.",
                "Inbound:Integrations:jira-app:Algorithms: 'HS512' cannot be used with Verification OAuthApp; allowed: HS256.",
                "Inbound:Integrations:jira-app:Algorithms: 'RS256' cannot be used with Verification OAuthApp; allowed: HS256.",
                "Inbound:Integrations:jira-app:JiraConnection is required for Verification OAuthApp: the name of the Jira:Connections entry whose app registered the webhooks.",
                "Inbound:Integrations:jira-app:Replay LongLivedToken cannot be used with Verification OAuthApp: Jira signs each delivery; use PerRequest.",
            ],
            Errors(With("jira-app", bad)));
        Assert.Equal(
            ["Inbound:Integrations:jira-app:JiraConnection 'Cloud_1' is not a valid connection name: use lowercase letters, digits and '-'."],
            Errors(With("jira-app", OAuthApp("Cloud_1"))));
    }

    [Fact]
    public void OAuthApp_connection_must_be_a_configured_jira_connection()
    {
        var jira = new JiraAuthFunctions.Jira.JiraOptions();
        jira.Connections["cloud"] = new JiraAuthFunctions.Jira.JiraConnectionOptions { ClientId = "client-1" };
        var validator = new OAuthAppConnectionsValidator(Microsoft.Extensions.Options.Options.Create(jira));

        Assert.True(validator.Validate(null, With("jira-app", OAuthApp("cloud"))).Succeeded);
        Assert.Equal(
            ["Inbound:Integrations:jira-app:JiraConnection 'other' is not configured: add Jira:Connections:other:ClientId (the OAuth app's client id)."],
            validator.Validate(null, With("jira-app", OAuthApp("other"))).Failures);
    }

    private static IntegrationOptions Forge(string appId = ForgeTokens.AppId) => new()
    {
        Verification = VerificationMethod.Forge,
        AppId = appId,
    };

    private static IntegrationOptions WebhookSecret() => new() { Verification = VerificationMethod.WebhookSecret };

    [Fact]
    public void Forge_with_only_an_app_id_and_a_webhook_secret_with_nothing_else_pass()
    {
        var options = new InboundOptions
        {
            Integrations = new(StringComparer.Ordinal) { ["forge"] = Forge(), ["hooks"] = WebhookSecret() },
        };

        Assert.Empty(Errors(options));
    }

    [Theory]
    [InlineData("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")]
    [InlineData("ari:cloud:ecosystem::app/")]
    [InlineData("ari:cloud:ecosystem::app/not-a-uuid")]
    [InlineData("ari:cloud:ecosystem::app/6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B")]
    [InlineData("ari:cloud:ecosystem::app/{6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b}")]
    [InlineData("ari:cloud:ecosystem::installation/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")]
    public void Forge_app_id_must_have_the_ari_shape(string appId)
    {
        Assert.Equal(
            [$"Inbound:Integrations:forge:AppId '{appId}' is not a Forge app id: use ari:cloud:ecosystem::app/<uuid> (lower-case), as in the app's manifest."],
            Errors(With("forge", Forge(appId))));
    }

    [Fact]
    public void Forge_without_an_app_id_and_with_settings_forge_fixes_lists_each_key()
    {
        var forge = Forge();
        forge.AppId = null;
        forge.Issuers = ["someone"];
        forge.Audience = "x";
        forge.Algorithms = ["HS256"];
        forge.Replay = ReplayProtection.LongLivedToken;
        forge.JwksUri = new Uri("http://forge.example.com/jwks.json");

        var errors = Errors(With("forge", forge));

        Assert.Equal(
            [
                "Inbound:Integrations:forge:AppId is required for Verification Forge: the app's id from its manifest, ari:cloud:ecosystem::app/<uuid>.",
                "Inbound:Integrations:forge:Issuers is not used with Verification Forge (Forge sets them (issuer forge/invocation-token, audience AppId, RS256)): remove it.",
                "Inbound:Integrations:forge:Audience is not used with Verification Forge (Forge sets them (issuer forge/invocation-token, audience AppId, RS256)): remove it.",
                "Inbound:Integrations:forge:Algorithms is not used with Verification Forge (Forge sets them (issuer forge/invocation-token, audience AppId, RS256)): remove it.",
                "Inbound:Integrations:forge:Replay must be PerRequest for Verification Forge: Forge mints a new token for every call.",
                "Inbound:Integrations:forge:JwksUri must use https (plain http is allowed for loopback only); it is 'http://forge.example.com/jwks.json'.",
            ],
            errors);
    }

    [Fact]
    public void Webhook_secret_refuses_token_settings_and_a_bad_secret_name_naming_each_key()
    {
        var hooks = SharedSecret();
        hooks.Verification = VerificationMethod.WebhookSecret;
        hooks.SharedSecretName = "bad name";
        hooks.AppId = ForgeTokens.AppId;

        var errors = Errors(With("hooks", hooks));

        Assert.Equal(
            [
                "Inbound:Integrations:hooks:Issuers is not used with Verification WebhookSecret (the body's X-Hub-Signature is the only check): remove it.",
                "Inbound:Integrations:hooks:Audience is not used with Verification WebhookSecret (the body's X-Hub-Signature is the only check): remove it.",
                "Inbound:Integrations:hooks:Algorithms is not used with Verification WebhookSecret (the body's X-Hub-Signature is the only check): remove it.",
                "Inbound:Integrations:hooks:RequiredScopes is not used with Verification WebhookSecret (a webhook has no scopes): remove it.",
                "Inbound:Integrations:hooks:SharedSecretName 'bad name' is not a valid secret name: use 1-127 letters, digits and '-'.",
                "Inbound:Integrations:hooks:AppId is only used with Verification Forge: remove it.",
            ],
            errors);
    }
}
