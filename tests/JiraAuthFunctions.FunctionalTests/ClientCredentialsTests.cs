using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The two-step rule over real HTTP: <c>POST /api/oauth/token</c> (RFC 6749 client credentials, the
/// client made with <c>jiraauth client create</c>), then the event with the access token. Two
/// ClientCredentials integrations (<c>cc</c> PerRequest, <c>cc-rule</c> LongLivedToken); the app's clock
/// is a fake. Every test ends by scanning logs and responses for the client secrets.
/// </summary>
public sealed class ClientCredentialsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private readonly LeakScanner _secrets = new();
    private readonly List<string> _replies = [];
    private TestApp _app = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        var settings = Integrations.Merge(Integrations.ClientCredentials("cc"), Integrations.ClientCredentials("cc-rule", replay: "LongLivedToken"));
        _app = await TestApp.StartAsync(settings, services => services.AddSingleton<TimeProvider>(_time));
        _settings = await AdminCli.SettingsFileAsync(_app.DataPath, settings);
        await AppSigningKey.CurrentAsync(_app);
    }

    public async Task DisposeAsync()
    {
        // No client secret in any log line or response, whatever the test did.
        Assert.NotEqual(0, _secrets.Count);
        Assert.Empty(_secrets.Find(_app.Logs.AllText()));
        Assert.All(_replies, r => Assert.Empty(_secrets.Find(r)));
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Token_from_the_endpoint_is_accepted_once_by_a_per_request_integration()
    {
        var (id, secret) = await CreateClientAsync("cc");

        var (status, body, headers) = await RequestTokenAsync(Basic(id, secret), "grant_type=client_credentials");

        Assert.Equal(200, status);
        Assert.Equal("no-store", headers["Cache-Control"]);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("events:write events:read", body.GetProperty("scope").GetString());
        var token = body.GetProperty("access_token").GetString()!;
        var issued = Assert.Single(_app.Logs.WithEventId(EventIds.AccessTokenIssued));
        Assert.Equal(id, issued["ClientId"]);

        Outcome.AssertAccepted(_app, await _app.PostEventAsync("cc", Http.Bearer(token)), "cc");
        var replayed = await _app.PostEventAsync("cc", Http.Bearer(token));
        Outcome.AssertRejected(_app, replayed, "cc", 401, "replayed_jti");
        Assert.Equal(issued["JtiHash"], Outcome.RejectionOf(_app, replayed)["JtiHash"]);
    }

    [Fact]
    public async Task Body_credentials_work_and_a_long_lived_integration_reuses_the_token_until_it_expires()
    {
        var (id, secret) = await CreateClientAsync("cc-rule");

        var (status, body, _) = await RequestTokenAsync(null, $"grant_type=client_credentials&client_id={Uri.EscapeDataString(id)}&client_secret={Uri.EscapeDataString(secret)}&scope=events%3Awrite");

        Assert.Equal(200, status);
        Assert.Equal("events:write", body.GetProperty("scope").GetString());
        var token = Http.Bearer(body.GetProperty("access_token").GetString()!);
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("cc-rule", token), "cc-rule");
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("cc-rule", token), "cc-rule");

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(61)); // lifetime + the 60 s skew
        Outcome.AssertRejected(_app, await _app.PostEventAsync("cc-rule", token), "cc-rule", 401, "token_expired");
    }

    [Fact]
    public async Task Token_of_one_integration_is_refused_by_another()
    {
        var (id, secret) = await CreateClientAsync("cc-rule");
        var (_, body, _) = await RequestTokenAsync(Basic(id, secret), "grant_type=client_credentials");

        var reply = await _app.PostEventAsync("cc", Http.Bearer(body.GetProperty("access_token").GetString()!));

        Outcome.AssertRejected(_app, reply, "cc", 401, "invalid_audience");
    }

    [Theory]
    [InlineData("wrong secret", 401, "invalid_client", "bad_client_secret")]
    [InlineData("unknown client", 401, "invalid_client", "unknown_client")]
    [InlineData("client id of another integration's shape", 401, "invalid_client", "unknown_client")]
    [InlineData("no credentials", 401, "invalid_client", "unknown_client")]
    [InlineData("scope escalation", 400, "invalid_scope", "invalid_scope")]
    [InlineData("password grant", 400, "unsupported_grant_type", "unsupported_grant_type")]
    [InlineData("no grant type", 400, "invalid_request", "invalid_token_request")]
    [InlineData("grant type twice", 400, "invalid_request", "invalid_token_request")]
    [InlineData("Basic and body secret", 400, "invalid_request", "invalid_token_request")]
    [InlineData("JSON body", 400, "invalid_request", "invalid_token_request")]
    public async Task Refusals_answer_rfc_6749_errors_and_log_the_reason(string name, int status, string error, string reason)
    {
        var (id, secret) = await CreateClientAsync("cc");
        var (authorization, form, contentType) = name switch
        {
            "wrong secret" => (Basic(id, secret[..^2] + "xx"), "grant_type=client_credentials", null),
            "unknown client" => (Basic("nobody.0123456789abcdef01234567", secret), "grant_type=client_credentials", null),
            "client id of another integration's shape" => (Basic("cc.0123456789abcdef01234567", secret), "grant_type=client_credentials", null),
            "no credentials" => (null, "grant_type=client_credentials", null),
            "scope escalation" => (Basic(id, secret), "grant_type=client_credentials&scope=events%3Awrite%20admin", null),
            "password grant" => (Basic(id, secret), "grant_type=password&username=a&password=b", null),
            "no grant type" => (Basic(id, secret), "scope=events%3Awrite", null),
            "grant type twice" => (Basic(id, secret), "grant_type=client_credentials&grant_type=client_credentials", null),
            "Basic and body secret" => (Basic(id, secret), $"grant_type=client_credentials&client_secret={Uri.EscapeDataString(secret)}", null),
            "JSON body" => (Basic(id, secret), "{\"grant_type\":\"client_credentials\"}", "application/json"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var (actual, body, headers) = await RequestTokenAsync(authorization, form, contentType);

        Assert.Equal(status, actual);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal("no-store", headers["Cache-Control"]);
        Assert.Equal(status == 401, headers.ContainsKey("WWW-Authenticate") && headers["WWW-Authenticate"].StartsWith("Basic ", StringComparison.Ordinal));
        var refused = Assert.Single(_app.Logs.WithEventId(EventIds.TokenRequestRefused));
        Assert.Equal(reason, refused["Reason"]);
        Assert.Equal(reason == "bad_client_secret" || reason.StartsWith("invalid_scope", StringComparison.Ordinal) ? id : "(unknown)", refused["ClientId"]);
    }

    [Fact]
    public async Task Five_failures_slow_down_wrong_secrets_but_the_right_secret_always_gets_a_token()
    {
        var (id, secret) = await CreateClientAsync("cc");
        for (var i = 0; i < ClientRateLimiter.MaxFailures; i++)
        {
            Assert.Equal(401, (await RequestTokenAsync(Basic(id, "wrong-" + i), "grant_type=client_credentials")).Status);
        }

        // Someone who knows the client id keeps guessing for half an hour: over the limit a guess gets 429
        // with a bounded Retry-After, and the rule's own requests get their token all along (each
        // success starts the client from zero, so the next guess is a plain 401 again).
        for (var minute = 0; minute < 30; minute++)
        {
            var (status, body, headers) = await RequestTokenAsync(Basic(id, "guess-" + minute), "grant_type=client_credentials");
            Assert.Equal(minute == 0 ? 429 : 401, status);
            if (status == 429)
            {
                Assert.Equal("slow_down", body.GetProperty("error").GetString());
                Assert.InRange(int.Parse(headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture), 1, (int)ClientRateLimiter.Window.TotalSeconds);
            }

            Assert.Equal(200, (await RequestTokenAsync(Basic(id, secret), "grant_type=client_credentials")).Status);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Single(_app.Logs.WithEventId(EventIds.ClientLockedOut));
        Assert.Contains(_app.Logs.WithEventId(EventIds.TokenRequestRefused), e => e["Reason"] == "client_rate_limited" && e["ClientId"] == id);

        // Failures stop: the 429s end with the window, wrong secrets are plain 401s again.
        for (var i = 0; i < ClientRateLimiter.MaxFailures; i++)
        {
            await RequestTokenAsync(Basic(id, "again-" + i), "grant_type=client_credentials");
        }

        Assert.Equal(429, (await RequestTokenAsync(Basic(id, "again"), "grant_type=client_credentials")).Status);
        _time.Advance(ClientRateLimiter.Window);
        Assert.Equal(401, (await RequestTokenAsync(Basic(id, "after-the-window"), "grant_type=client_credentials")).Status);
    }

    [Fact]
    public async Task After_a_rotation_both_secrets_work_for_the_overlap_then_only_the_new_one()
    {
        var (id, old) = await CreateClientAsync("cc");
        Assert.Equal(200, (await RequestTokenAsync(Basic(id, old), "grant_type=client_credentials")).Status);

        var rotated = await AdminCli.RunOkAsync(_app.DataPath, _time, "client", "rotate", "cc", "--overlap", "01:00:00", "--settings", _settings);
        var (sameId, fresh) = Parse(rotated.Output);

        Assert.Equal(id, sameId);
        _time.Advance(ClientSecrets.MinRefetchInterval); // a secret the app does not hold makes it re-read the store, at most this often
        Assert.Equal(200, (await RequestTokenAsync(Basic(id, fresh), "grant_type=client_credentials")).Status);
        Assert.Equal(200, (await RequestTokenAsync(Basic(id, old), "grant_type=client_credentials")).Status);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(401, (await RequestTokenAsync(Basic(id, old), "grant_type=client_credentials")).Status);
        Assert.Equal(200, (await RequestTokenAsync(Basic(id, fresh), "grant_type=client_credentials")).Status);
    }

    [Fact]
    public async Task Client_create_refuses_an_integration_that_is_not_client_credentials_and_a_second_create()
    {
        await CreateClientAsync("cc");

        var again = await AdminCli.RunAsync(_app.DataPath, _time, "client", "create", "cc", "--settings", _settings);
        var demo = await AdminCli.RunAsync(_app.DataPath, _time, "client", "create", "demo", "--settings", _settings);

        Assert.Equal(1, again.ExitCode);
        Assert.Equal("", again.Output);
        Assert.Equal(2, demo.ExitCode);
    }

    private async Task<(string Id, string Secret)> CreateClientAsync(string integration)
    {
        var created = await AdminCli.RunOkAsync(_app.DataPath, _time, "client", "create", integration, "--settings", _settings);
        var (id, secret) = Parse(created.Output);
        _secrets.AddSecret($"client secret of {integration}", secret);
        Assert.DoesNotContain(secret, created.Error, StringComparison.Ordinal);
        return (id, secret);
    }

    private static (string Id, string Secret) Parse(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (lines.Single(l => l.StartsWith("client_id=", StringComparison.Ordinal))["client_id=".Length..],
            lines.Single(l => l.StartsWith("client_secret=", StringComparison.Ordinal))["client_secret=".Length..]);
    }

    // RFC 6749 2.3.1: each part form-urlencoded, then base64.
    private static string Basic(string id, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}"));

    private async Task<(int Status, JsonElement Body, Dictionary<string, string> Headers)> RequestTokenAsync(string? authorization, string form, string? contentType = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpointPath)
        {
            Content = new StringContent(form, Encoding.UTF8, new MediaTypeHeaderValue(contentType ?? "application/x-www-form-urlencoded")),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _app.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        _replies.Add(string.Join("\n", headers.Select(h => $"{h.Key}: {h.Value}")) + "\n" + text);
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), headers);
    }

    private const string TokenEndpointPath = "/api/oauth/token";
}
