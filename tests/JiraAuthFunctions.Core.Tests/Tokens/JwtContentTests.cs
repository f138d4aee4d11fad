using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Tokens;

/// <summary>The one-pass reader of header and payload: what it captures, and what it refuses as malformed or ambiguous.</summary>
public sealed class JwtContentTests
{
    private const string Header = """{"alg":"HS256","typ":"JWT","kid":"v1"}""";

    private static ReasonCode Read(string header, string payload, out JwtContent content) =>
        JwtContent.TryRead(TestTokens.Encode(header) + "." + TestTokens.Encode(payload) + ".c2ln", out content);

    private static JwtContent Payload(string payload)
    {
        Assert.Equal(ReasonCode.Accepted, Read(Header, payload, out var content));
        return content;
    }

    [Fact]
    public void Captures_what_the_validator_checks()
    {
        var content = Payload("""{"iss":"jira","sub":"rule-1","aud":["a","b"],"exp":1750000000,"nbf":1749990000,"iat":1749990000,"jti":"j-1","scope":"events:write  admin","extra":{"nested":[1,{"exp":0}]}}""");

        Assert.Equal(("HS256", "v1"), (content.Algorithm, content.Kid));
        Assert.Equal(("jira", "rule-1", "j-1"), (content.Issuer, content.Subject, content.Id));
        Assert.Equal(["a", "b"], content.Audiences);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1750000000), content.Expires);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1749990000), content.NotBefore);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1749990000), content.IssuedAt);
        Assert.Equal(["events:write", "admin"], content.Scopes);
        Assert.False(content.HasKeyLocationHeader || content.HasCriticalHeader);
    }

    [Theory]
    [InlineData("""{"scp":"a b"}""", new[] { "a", "b" })]
    [InlineData("""{"scp":["a","b"]}""", new[] { "a", "b" })]
    [InlineData("""{"scope":"a","scp":["b"]}""", new[] { "a" })]
    [InlineData("""{"scope":["a"]}""", new string[0])]
    [InlineData("""{"scp":42}""", new string[0])]
    [InlineData("""{}""", new string[0])]
    public void Scopes_come_from_scope_or_else_scp(string payload, string[] scopes)
    {
        Assert.Equal(scopes, Payload(payload).Scopes);
    }

    [Theory]
    [InlineData("""{"exp":1750000000.9}""", 1750000000L)]
    [InlineData("""{"exp":1e300}""", long.MaxValue)]
    [InlineData("""{"exp":-5}""", 0L)]
    public void Numeric_dates_are_read_as_identitymodel_reads_them(string payload, long seconds)
    {
        var expected = seconds == long.MaxValue ? DateTime.MaxValue : DateTime.UnixEpoch.AddSeconds(seconds);

        Assert.Equal(expected, Payload(payload).Expires);
    }

    [Theory]
    [InlineData("""{"exp":"1750000000"}""")]
    [InlineData("""{"nbf":true}""")]
    [InlineData("""{"iss":42}""")]
    [InlineData("""{"aud":42}""")]
    [InlineData("""{"aud":["a",1]}""")]
    [InlineData("""{"jti":7}""")]
    [InlineData("""{"iss":"a"} trailing""")]
    [InlineData("""{"iss":"a"}{"iss":"b"}""")]
    [InlineData("""{"iss":"a" """)]
    [InlineData("""["iss","a"]""")]
    [InlineData("42")]
    public void Known_claims_of_the_wrong_type_and_broken_json_are_malformed(string payload)
    {
        Assert.Equal(ReasonCode.MalformedToken, Read(Header, payload, out _));
    }

    [Theory]
    [InlineData(Header, """{"exp":1,"exp":2}""")]
    [InlineData(Header, """{"exp":1,"\u0065xp":2}""")]
    [InlineData("""{"alg":"HS256","alg":"none"}""", "{}")]
    [InlineData("""{"\u0061lg":"none","alg":"HS256"}""", "{}")]
    public void Repeated_names_are_refused_escaped_or_not(string header, string payload)
    {
        Assert.Equal(ReasonCode.DuplicateMember, Read(header, payload, out _));
    }

    [Theory]
    [InlineData("""{"alg":"HS256","jku":"https://evil.example/jwks"}""")]
    [InlineData("""{"alg":"HS256","x5u":"https://evil.example/cert"}""")]
    [InlineData("""{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}""")]
    [InlineData("""{"alg":"HS256","x5c":["MIIB"]}""")]
    [InlineData("""{"alg":"HS256","\u006aku":"https://evil.example/jwks"}""")]
    public void Key_location_headers_are_flagged_also_when_escaped(string header)
    {
        Assert.Equal(ReasonCode.Accepted, Read(header, "{}", out var content));
        Assert.True(content.HasKeyLocationHeader);
    }

    [Fact]
    public void An_escaped_member_name_is_read_as_the_member_it_names()
    {
        Assert.Equal(ReasonCode.Accepted, Read("""{"\u0061lg":"HS256","crit":["b64"]}""", """{"\u0065xp":5}""", out var content));

        Assert.Equal("HS256", content.Algorithm);
        Assert.True(content.HasCriticalHeader);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(5), content.Expires);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a.b")]
    [InlineData(".a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.e30.c2ln")]
    public void What_is_not_three_base64url_segments_is_malformed(string token)
    {
        Assert.Equal(ReasonCode.MalformedToken, JwtContent.TryRead(token, out _));
    }

    [Fact]
    public void Five_segments_are_an_encrypted_token()
    {
        Assert.Equal(ReasonCode.EncryptedToken, JwtContent.TryRead("a.b.c.d.e", out _));
    }

    [Fact]
    public void Captures_a_forge_app_claim_and_principal_in_the_same_pass()
    {
        var content = Payload("""{"app":{"installationId":"ari:i","id":"ari:a","module":{"id":"not-the-app"},"environment":{"id":"ari:e","type":"DEVELOPMENT","x":[1]}},"principal":"acc-1","iss":"forge/invocation-token"}""");

        Assert.Equal(new ForgeAppClaims("ari:a", "ari:i", "DEVELOPMENT", "ari:e"), content.ForgeApp);
        Assert.Equal("acc-1", content.Principal);
        Assert.Equal("forge/invocation-token", content.Issuer);
    }

    [Theory]
    [InlineData("""{"app":"a string","principal":42}""")]
    [InlineData("""{"app":["a"],"principal":{"accountId":"x"}}""")]
    public void An_app_or_principal_of_another_shape_is_stepped_over_as_other_tokens_carry_them(string payload)
    {
        var content = Payload(payload);

        Assert.Null(content.ForgeApp);
        Assert.Null(content.Principal);
    }

    [Theory]
    [InlineData("""{"app":{"id":"a","id":"b"}}""")]
    [InlineData("""{"app":{"installationId":"a","installationId":"b"}}""")]
    [InlineData("""{"app":{"id":1}}""")]
    [InlineData("""{"app":{"environment":{"type":"PRODUCTION","type":"DEVELOPMENT"}}}""")]
    [InlineData("""{"app":{"environment":"PRODUCTION"}}""")]
    public void A_forge_app_claim_with_a_repeated_or_mistyped_member_is_malformed(string payload)
    {
        Assert.Equal(ReasonCode.MalformedToken, Read(Header, payload, out _));
    }

    [Theory]
    [InlineData("c2lnbmF0dXJl", true)]        // 12 characters: 9 bytes
    [InlineData("c2lnbmF0dXI", true)]         // 11: 8 bytes, last character's 2 unused bits zero
    [InlineData("c2lnbmF0dQ", true)]          // 10: 7 bytes, 4 unused bits zero
    [InlineData("", true)]                    // an empty signature: refused later as bad_signature
    [InlineData("-_-_", true)]
    [InlineData("c2lnbmF0dXI=", false)]       // padding
    [InlineData("c2lnbmF0dQ==", false)]
    [InlineData("c2lnbmF0dQ=", false)]
    [InlineData("c2lu bmF0dXJl", false)]      // a space, a tab, a line break inside
    [InlineData("c2lu\tbmF0dXJl", false)]
    [InlineData("c2lu\nbmF0dXJl", false)]
    [InlineData(" c2lnbmF0dXJl", false)]
    [InlineData("c2lnbmF0dXJlA", false)]      // 13 = 4n+1: encodes no whole number of bytes
    [InlineData("c2lnbmF0dXJ", false)]        // 11, but 'J' leaves unused bits set: a second spelling of the same bytes
    [InlineData("c2lnbmF0dR", false)]         // 10, 'R' leaves unused bits set
    [InlineData("c2+nbmF0/XJl", false)]       // base64's '+' and '/', not base64url's '-' and '_'
    [InlineData("c2lnbmF0dXJl\u00e9", false)]
    public void Segments_are_strict_base64url(string segment, bool valid)
    {
        segment = System.Text.RegularExpressions.Regex.Unescape(segment);
        var header = TestTokens.Encode(Header);
        var payload = TestTokens.Encode("""{"iss":"jira"}""");

        Assert.Equal(valid, JwtContent.IsStrictBase64Url(segment));
        Assert.Equal(valid ? ReasonCode.Accepted : ReasonCode.MalformedToken, JwtContent.TryRead($"{header}.{payload}.{segment}", out _));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("==")]
    [InlineData(" ")]
    [InlineData("\t")]
    public void A_header_or_payload_with_padding_or_whitespace_is_malformed_though_a_lenient_decoder_reads_the_json(string suffix)
    {
        suffix = System.Text.RegularExpressions.Regex.Unescape(suffix);
        var header = TestTokens.Encode(Header);
        var payload = TestTokens.Encode("""{"iss":"jira","x":"p"}""");
        Assert.Equal(ReasonCode.Accepted, JwtContent.TryRead($"{header}.{payload}.c2ln", out _));

        Assert.Equal(ReasonCode.MalformedToken, JwtContent.TryRead($"{header}{suffix}.{payload}.c2ln", out _));
        Assert.Equal(ReasonCode.MalformedToken, JwtContent.TryRead($"{header}.{payload}{suffix}.c2ln", out _));
        Assert.Equal(ReasonCode.MalformedToken, JwtContent.TryRead($"{header}.{payload[..5]}{suffix}{payload[5..]}.c2ln", out _));
    }

    [Theory]
    [InlineData("""{"scope":"events:write  admin"}""")]
    [InlineData("""{"scope":" events:write "}""")]
    [InlineData("""{"scope":"events:write\tadmin"}""")]
    [InlineData("""{"scope":"events:writer events"}""")]
    [InlineData("""{"scope":"","scp":"events:write"}""")]
    [InlineData("""{"scope":["events:write"],"scp":"events:write"}""")]
    [InlineData("""{"scope":["events:write"]}""")]
    [InlineData("""{"scp":"admin events:write"}""")]
    [InlineData("""{"scp":["admin","events:write"]}""")]
    [InlineData("""{"scp":["events:write "]}""")]
    [InlineData("""{"scp":["","x"]}""")]
    [InlineData("""{"scp":42}""")]
    [InlineData("""{"sco\u0070e":"events:write"}""")]
    [InlineData("""{}""")]
    public void GrantsAll_answers_as_the_listed_scopes_do(string payload)
    {
        var content = Payload(payload);
        string[][] required = [[], ["events:write"], ["admin", "events:write"], ["events"], [""], ["x"], ["events:write\tadmin"]];

        foreach (var scopes in required)
        {
            // Asked before the list exists (the validator's order), then the list is made and compared.
            var granted = content.GrantsAll(scopes);
            Assert.Equal(scopes.All(s => content.Scopes.Contains(s, StringComparer.Ordinal)), granted);
        }
    }

    [Theory]
    [InlineData("""{"aud":"jira-auth-functions"}""", 1)]
    [InlineData("""{"aud":"jira-auth-function\u0073"}""", 1)]
    [InlineData("""{"aud":["other","jira-auth-functions"]}""", 2)]
    [InlineData("""{"aud":"jira-auth-functions/"}""", 1)]
    [InlineData("""{"aud":"JIRA-AUTH-FUNCTIONS"}""", 1)]
    [InlineData("""{"aud":[]}""", 0)]
    [InlineData("""{}""", 0)]
    public void HasAudience_answers_as_the_listed_audiences_do(string payload, int count)
    {
        var content = Payload(payload);

        var has = content.HasAudience(TestTokens.Audience);

        Assert.Equal(count, content.AudienceCount);
        Assert.Equal(content.Audiences.Contains(TestTokens.Audience, StringComparer.Ordinal), has);
        Assert.Equal(count, content.Audiences.Count);
    }

    [Theory]
    [InlineData("""{"iss":"test-issuer","aud":"jira-auth-functions"}""")]
    [InlineData("""{"iss":"test-\u0069ssuer","aud":["jira-auth-functions","other"]}""")]
    [InlineData("""{"iss":"test-issuer ","aud":"jira-auth-functions/"}""")]
    [InlineData("""{"iss":"someone-else","aud":"another-api"}""")]
    public void Reading_for_an_integration_gives_the_same_content_its_expected_values_not_copied(string payload)
    {
        var integration = new Integration("x", new IntegrationOptions
        {
            Verification = VerificationMethod.SharedSecret,
            Issuers = ["other-issuer", TestTokens.Issuer],
            Audience = TestTokens.Audience,
            Algorithms = ["HS256"],
        }, JiraAuthFunctions.Keys.StaticKeySource.None, TimeSpan.FromSeconds(60));
        var token = TestTokens.Encode(Header) + "." + TestTokens.Encode(payload) + ".c2ln";
        Assert.Equal(ReasonCode.Accepted, JwtContent.TryRead(token, out var plain));

        Assert.Equal(ReasonCode.Accepted, JwtContent.TryRead(token, integration, out var read));

        Assert.Equal((plain.Algorithm, plain.Kid, plain.Issuer), (read.Algorithm, read.Kid, read.Issuer));
        Assert.Equal(plain.Audiences, read.Audiences);
        Assert.Equal(plain.Issuer == TestTokens.Issuer, ReferenceEquals(read.Issuer, integration.Issuers.Items.Single(i => i == TestTokens.Issuer)));
        Assert.Equal(plain.Audiences.Count == 1 && plain.Audiences[0] == TestTokens.Audience, ReferenceEquals(read.Audiences[0], integration.Audience));
    }
}
