using System.Security.Cryptography;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Tokens signed by jose (node), an implementation the app shares nothing with, sent to the real
/// app: the good ones of every supported family are accepted, bad ones get their exact reason.
/// </summary>
public sealed class JoseCrossCheckTests(JoseCrossCheckTests.JoseTokens f) : IClassFixture<JoseCrossCheckTests.JoseTokens>
{
    [Theory]
    [InlineData("HS256", 202, "accepted")]
    [InlineData("HS256 without kid", 202, "accepted")]
    [InlineData("HS256 with aud array", 202, "accepted")]
    [InlineData("RS256", 202, "accepted")]
    [InlineData("PS256", 202, "accepted")]
    [InlineData("ES256", 202, "accepted")]
    [InlineData("HS256 expired", 401, "token_expired")]
    [InlineData("PS256 expired", 401, "token_expired")]
    [InlineData("ES256 expired", 401, "token_expired")]
    [InlineData("HS256 wrong aud", 401, "invalid_audience")]
    [InlineData("RS256 wrong aud", 401, "invalid_audience")]
    [InlineData("ES256 wrong aud", 401, "invalid_audience")]
    [InlineData("HS256 wrong key", 401, "bad_signature")]
    [InlineData("RS256 wrong key", 401, "bad_signature")]
    [InlineData("PS256 wrong key", 401, "bad_signature")]
    [InlineData("ES256 wrong key", 401, "bad_signature")]
    [InlineData("HS256 without jti", 401, "missing_jti")]
    [InlineData("PS256 made with the RS256 key", 401, "key_alg_mismatch")]
    [InlineData("RS256 made with the PS256 key", 401, "key_alg_mismatch")]
    [InlineData("PS256 without kid, made with the RS256 key", 401, "bad_signature")]
    [InlineData("RS256 aud with a trailing slash", 401, "invalid_audience")]
    public async Task Jose_token_gets_the_outcome_its_claims_and_key_call_for(string name, int status, string reason)
    {
        var (integration, token) = f.Tokens[name];

        var reply = await f.App.PostEventAsync(integration, Http.Bearer(token));

        if (status == 202)
        {
            Outcome.AssertAccepted(f.App, reply, integration);
        }
        else
        {
            Outcome.AssertRejected(f.App, reply, integration, status, reason);
        }
    }

    [Fact]
    public void Every_jose_token_is_a_compact_jws_with_the_requested_algorithm()
    {
        Assert.Equal(21, f.Tokens.Count);
        foreach (var (name, (_, token)) in f.Tokens)
        {
            var segments = token.Split('.');
            Assert.Equal(3, segments.Length);
            using var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(segments[0]));
            Assert.Equal(name[..5], header.RootElement.GetProperty("alg").GetString());
        }
    }

    /// <summary>
    /// The app (hs: HS256; rs: RS256 and PS256, one key each as a JWK with its alg; es: ES256, key as PEM,
    /// the curve fixing the algorithm) and every jose token, made by one node run.
    /// </summary>
    public sealed class JoseTokens : IAsyncLifetime
    {
        private const string Secret = "jose-cross-check-shared-secret-0123456789abcdef";
        private static readonly RSA Rsa = RSA.Create(2048);
        private static readonly RSA OtherRsa = RSA.Create(2048);
        private static readonly RSA PsRsa = RSA.Create(2048);
        private static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private static readonly ECDsa OtherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public TestApp App { get; private set; } = null!;

        public Dictionary<string, (string Integration, string Token)> Tokens { get; } = [];

        public async Task InitializeAsync()
        {
            App = await TestApp.StartAsync(Integrations.Merge(
                TestApp.SharedSecretIntegration("hs"),
                Integrations.PublicKeys("rs", "RS256,PS256", (null, null, null, TestTokens.PublicJwk(Rsa, "rs-1", "RS256")), (null, null, null, TestTokens.PublicJwk(PsRsa, "ps-1", "PS256"))),
                Integrations.PublicKey("es", "ES256", "es-1", pem: Ec.ExportSubjectPublicKeyInfoPem())));
            var kid = (await App.Services.GetRequiredService<ISecretStore>().SetSecretAsync(SecretNames.ForIntegration("hs"), Secret)).Version;

            var now = TimeProvider.System.GetUtcNow();
            var cases = new List<(string Name, string Integration, string Alg, object Key, Dictionary<string, object?> Claims, string? Kid)>
            {
                ("HS256", "hs", "HS256", Secret, Claims(now), kid),
                ("HS256 without kid", "hs", "HS256", Secret, Claims(now), null),
                ("HS256 with aud array", "hs", "HS256", Secret, Claims(now, c => c["aud"] = new[] { "another-api", TestTokens.Audience }), kid),
                ("RS256", "rs", "RS256", PrivateJwk(Rsa), Claims(now), "rs-1"),
                ("PS256", "rs", "PS256", PrivateJwk(PsRsa), Claims(now), "ps-1"),
                ("ES256", "es", "ES256", PrivateJwk(Ec), Claims(now), "es-1"),
                ("HS256 expired", "hs", "HS256", Secret, Expired(now), kid),
                ("PS256 expired", "rs", "PS256", PrivateJwk(PsRsa), Expired(now), "ps-1"),
                ("ES256 expired", "es", "ES256", PrivateJwk(Ec), Expired(now), "es-1"),
                ("HS256 wrong aud", "hs", "HS256", Secret, Claims(now, c => c["aud"] = "another-api"), kid),
                ("RS256 wrong aud", "rs", "RS256", PrivateJwk(Rsa), Claims(now, c => c["aud"] = "another-api"), "rs-1"),
                ("ES256 wrong aud", "es", "ES256", PrivateJwk(Ec), Claims(now, c => c["aud"] = "another-api"), "es-1"),
                ("HS256 wrong key", "hs", "HS256", "another-shared-secret-of-the-same-sort-0123456", Claims(now), kid),
                ("RS256 wrong key", "rs", "RS256", PrivateJwk(OtherRsa), Claims(now), "rs-1"),
                ("PS256 wrong key", "rs", "PS256", PrivateJwk(OtherRsa), Claims(now), "ps-1"),
                ("ES256 wrong key", "es", "ES256", PrivateJwk(OtherEc), Claims(now), "es-1"),
                ("HS256 without jti", "hs", "HS256", Secret, Claims(now, c => c.Remove("jti")), kid),
                ("PS256 made with the RS256 key", "rs", "PS256", PrivateJwk(Rsa), Claims(now), "rs-1"),
                ("RS256 made with the PS256 key", "rs", "RS256", PrivateJwk(PsRsa), Claims(now), "ps-1"),
                ("PS256 without kid, made with the RS256 key", "rs", "PS256", PrivateJwk(Rsa), Claims(now), null),
                ("RS256 aud with a trailing slash", "rs", "RS256", PrivateJwk(Rsa), Claims(now, c => c["aud"] = TestTokens.Audience + "/"), "rs-1"),
            };

            var instructions = cases.Select(c => new Dictionary<string, object?>
            {
                ["alg"] = c.Alg,
                ["key"] = c.Key,
                ["claims"] = c.Claims,
                ["header"] = c.Kid is null ? new Dictionary<string, string> { ["typ"] = "JWT" } : new Dictionary<string, string> { ["typ"] = "JWT", ["kid"] = c.Kid },
            });
            var output = await NodeTools.RunScriptAsync("jose-sign.mjs", JsonSerializer.Serialize(instructions));
            var tokens = JsonSerializer.Deserialize<string[]>(output)!;
            Assert.Equal(cases.Count, tokens.Length);
            for (var i = 0; i < cases.Count; i++)
            {
                Tokens[cases[i].Name] = (cases[i].Integration, tokens[i]);
            }
        }

        public async Task DisposeAsync() => await App.DisposeAsync();

        private static Dictionary<string, object?> Claims(DateTimeOffset now, Action<Dictionary<string, object?>>? change = null)
        {
            var claims = TestTokens.Claims(now);
            change?.Invoke(claims);
            return claims;
        }

        private static Dictionary<string, object?> Expired(DateTimeOffset now) => Claims(now, c =>
        {
            c["iat"] = c["nbf"] = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
            c["exp"] = (now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
        });

        private static Dictionary<string, string> PrivateJwk(RSA rsa)
        {
            var p = rsa.ExportParameters(true);
            return new()
            {
                ["kty"] = "RSA",
                ["n"] = TestTokens.Encode(p.Modulus!),
                ["e"] = TestTokens.Encode(p.Exponent!),
                ["d"] = TestTokens.Encode(p.D!),
                ["p"] = TestTokens.Encode(p.P!),
                ["q"] = TestTokens.Encode(p.Q!),
                ["dp"] = TestTokens.Encode(p.DP!),
                ["dq"] = TestTokens.Encode(p.DQ!),
                ["qi"] = TestTokens.Encode(p.InverseQ!),
            };
        }

        private static Dictionary<string, string> PrivateJwk(ECDsa ec)
        {
            var p = ec.ExportParameters(true);
            return new()
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = TestTokens.Encode(p.Q.X!),
                ["y"] = TestTokens.Encode(p.Q.Y!),
                ["d"] = TestTokens.Encode(p.D!),
            };
        }
    }
}
