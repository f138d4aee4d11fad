using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The attack table against the real app over HTTP: status, challenge, generic body and the one
/// logged reason per request (the validator's own table is in Core.Tests; this one proves the
/// whole request path maps each outcome to the wire and to the log correctly).
/// </summary>
public sealed class AttackSuiteTests(AttackApp f) : IClassFixture<AttackApp>
{
    public static IEnumerable<object[]> Rows => AttackCases.Rows;

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Request_gets_its_exact_status_challenge_generic_body_and_logged_reason(string name, int status, string reason)
    {
        var attempt = AttackCases.Build(f, name);

        var replies = await AttackCases.SendAsync(f, attempt);

        AttackCases.AssertOutcome(f, attempt, replies[^1], status, reason);
    }

    [Fact]
    public async Task Unknown_integration_gets_exactly_the_response_of_a_bad_token()
    {
        // The same invocation id makes the request ids, and so the bodies, comparable byte for byte.
        var unknown = await f.App.PostEventAsync("no-such-integration", Http.Bearer(f.Hs()), invocationId: "compare-unknown-integration");
        // "aaA": another signature, still spelled canonically (a last character with unused bits set is malformed_token).
        var badSignature = await f.App.PostEventAsync("hs", Http.Bearer(f.Hs()[..^3] + "aaA"), invocationId: "compare-unknown-integration");
        var expired = await f.App.PostEventAsync("rsa", Http.Bearer(f.Rs(f.ExpiredClaims())), invocationId: "compare-unknown-integration");

        foreach (var bad in new[] { badSignature, expired })
        {
            Assert.Equal(bad.Status, unknown.Status);
            Assert.Equal(WithoutDate(bad), WithoutDate(unknown));
            Assert.Equal(bad.Body, unknown.Body);
        }

        Assert.Equal(401, unknown.Status);
        Assert.Equal(
            ["bad_signature", "token_expired", "unknown_integration"],
            f.App.Logs.WithEventId(EventIds.RequestRejected).Where(e => e["RequestId"] == "compare-unknown-integration").Select(e => e["Reason"]).Order());
    }

    [Fact]
    public async Task Long_lived_token_is_accepted_again_and_again()
    {
        var token = Http.Bearer(f.RuleToken("rule-token-reused"));

        var replies = new List<Reply>();
        for (var i = 0; i < 3; i++)
        {
            replies.Add(await f.App.PostEventAsync(AttackApp.Rule, token));
        }

        Assert.All(replies, r => Outcome.AssertAccepted(f.App, r, AttackApp.Rule));
        Assert.Equal(3, replies.Select(r => r.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Long_lived_token_revoked_with_the_cli_is_refused_by_the_running_app()
    {
        const string Jti = "rule-token-to-revoke";
        var token = Http.Bearer(f.RuleToken(Jti));
        var other = Http.Bearer(f.RuleToken("rule-token-kept"));
        Outcome.AssertAccepted(f.App, await f.App.PostEventAsync(AttackApp.Rule, token), AttackApp.Rule);

        await AdminCli.RunOkAsync(f.App.DataPath, f.Time, "revocation", "add", AttackApp.Rule, "--jti", Jti, "--reason", "leaked in a screenshot");
        f.Time.Advance(FileRevocationList.ReloadInterval);

        var revoked = await f.App.PostEventAsync(AttackApp.Rule, token);
        Outcome.AssertRejected(f.App, revoked, AttackApp.Rule, 401, "revoked_token");
        Assert.Equal(JtiHash.Compute(Jti), Outcome.RejectionOf(f.App, revoked)["JtiHash"]);
        Outcome.AssertAccepted(f.App, await f.App.PostEventAsync(AttackApp.Rule, other), AttackApp.Rule);
    }

    [Fact]
    public async Task Token_over_the_size_limit_is_rejected_before_it_is_parsed()
    {
        var tooLarge = await f.App.PostEventAsync("hs", Http.Bearer(AttackCases.Padded(f, 8 * 1024 + 1)));
        var wrongAudience = await f.App.PostEventAsync("hs", Http.Bearer(f.Hs(f.Claims(c => c["aud"] = "another-api"))));

        Outcome.AssertRejected(f.App, tooLarge, "hs", 401, "token_too_large");
        // A parsed token's caller fields reach the log; an oversized one is never read, so none do.
        var parsed = Outcome.RejectionOf(f.App, wrongAudience);
        Assert.Equal(TestIssuer, parsed["Issuer"]);
        Assert.Equal(f.Kid, parsed["Kid"]);
        var unparsed = Outcome.RejectionOf(f.App, tooLarge);
        Assert.Null(unparsed["Issuer"]);
        Assert.Null(unparsed["Kid"]);
        Assert.Null(unparsed["Subject"]);
        Assert.Null(unparsed["JtiHash"]);
    }

    [Fact]
    public async Task Rejected_token_does_not_use_up_its_jti()
    {
        var claims = f.Claims();
        claims["scope"] = "events:read";
        var refused = await f.App.PostEventAsync("hs", Http.Bearer(f.Hs(claims)));
        claims["scope"] = "events:write";
        var accepted = await f.App.PostEventAsync("hs", Http.Bearer(f.Hs(claims)));

        Outcome.AssertRejected(f.App, refused, "hs", 403, "insufficient_scope");
        Outcome.AssertAccepted(f.App, accepted, "hs");
    }

    [Theory]
    [InlineData("text/plain", 415, "unsupported_media_type")]
    [InlineData("application/xml", 415, "unsupported_media_type")]
    public async Task Token_refused_for_its_content_type_is_accepted_on_the_corrected_retry(string mediaType, int status, string reason)
    {
        var token = Http.Bearer(f.Hs());
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/jira/events/hs") { Content = new StringContent(Http.WebhookEvent, System.Text.Encoding.UTF8, mediaType) };
        wrong.Headers.TryAddWithoutValidation("Authorization", token);
        using var refused = await f.App.Client.SendAsync(wrong);
        var requestId = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("requestId").GetString();

        var corrected = await f.App.PostEventAsync("hs", token);
        var replayed = await f.App.PostEventAsync("hs", token);

        Assert.Equal(status, (int)refused.StatusCode);
        Assert.Equal(reason, Assert.Single(f.App.Logs.WithEventId(EventIds.RequestRejected), e => e["RequestId"] == requestId)["Reason"]);
        Outcome.AssertAccepted(f.App, corrected, "hs");
        Outcome.AssertRejected(f.App, replayed, "hs", 401, "replayed_jti");
    }

    [Fact]
    public async Task Concurrent_uses_of_one_token_get_exactly_one_202()
    {
        var token = Http.Bearer(f.Rs());

        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => f.App.PostEventAsync("rsa", token)));

        Outcome.AssertAccepted(f.App, Assert.Single(replies, r => r.Status == 202), "rsa");
        Assert.All(replies.Where(r => r.Status != 202), r => Outcome.AssertRejected(f.App, r, "rsa", 401, "replayed_jti"));
    }

    private const string TestIssuer = JiraAuthFunctions.Tests.Common.TestTokens.Issuer;

    private static List<KeyValuePair<string, string>> WithoutDate(Reply reply) =>
        reply.Headers.Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ToList();
}
