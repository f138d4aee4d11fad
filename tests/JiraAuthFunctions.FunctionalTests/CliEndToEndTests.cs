using System.Text.Json;
using System.Text.RegularExpressions;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Replay;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// The admin CLI and the running app on one data folder, as a person uses them: the Local
/// environment's <c>demo</c> (PerRequest) and <c>demo-rule</c> (LongLivedToken) integrations,
/// secrets seeded by the app at start. The app's clock is a fake starting at the real time, so
/// its reload intervals are stepped over rather than waited out.
/// </summary>
public sealed partial class CliEndToEndTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Minted_token_is_accepted_once_then_refused_as_a_replay()
    {
        var token = await MintAsync("demo");

        var first = await _app.PostEventAsync("demo", Http.Bearer(token));
        var second = await _app.PostEventAsync("demo", Http.Bearer(token));

        Outcome.AssertAccepted(_app, first, "demo");
        Outcome.AssertRejected(_app, second, "demo", 401, "replayed_jti");
    }

    [Fact]
    public async Task Token_minted_with_an_overridden_audience_is_refused_for_it()
    {
        var token = await MintAsync("demo", "--audience", "another-api");

        var reply = await _app.PostEventAsync("demo", Http.Bearer(token));

        Outcome.AssertRejected(_app, reply, "demo", 401, "invalid_audience");
    }

    [Fact]
    public async Task After_secret_rotate_tokens_of_the_previous_and_the_new_secret_both_verify()
    {
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("demo", Http.Bearer(await MintAsync("demo"))), "demo");
        var mintedBefore = await MintAsync("demo");

        var rotate = await AdminCli.RunOkAsync(_app.DataPath, _time, "secret", "rotate", "demo");
        var mintedAfter = await MintAsync("demo");
        // The app holds the keys it loaded; a token naming a version it does not know makes it look
        // again once MinRefetchInterval has passed since the last load.
        _time.Advance(SharedSecretKeySource.MinRefetchInterval);

        var newVersion = VersionPattern().Match(rotate.Output).Groups[1].Value;
        Assert.Equal(newVersion, KidOf(mintedAfter));
        Assert.NotEqual(newVersion, KidOf(mintedBefore));
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("demo", Http.Bearer(mintedAfter)), "demo");
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("demo", Http.Bearer(mintedBefore)), "demo");
        Outcome.AssertAccepted(_app, await _app.PostEventAsync("demo", Http.Bearer(await MintAsync("demo"))), "demo");
        var versions = (await AdminCli.RunOkAsync(_app.DataPath, _time, "secret", "list", "demo")).Output;
        Assert.Equal(2, versions.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(newVersion, versions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revocation_add_list_remove_round_trip_is_seen_by_the_running_app()
    {
        var mint = await AdminCli.RunOkAsync(_app.DataPath, _time, "token", "mint", "demo-rule");
        var token = Http.Bearer(mint.Output.Trim());
        var accepted = await _app.PostEventAsync("demo-rule", token);
        Outcome.AssertAccepted(_app, accepted, "demo-rule");

        // On-call revokes by the jti hash in the accepted line: the one the CLI printed at mint time.
        var jtiHash = Outcome.DecisionsFor(_app, accepted.RequestId).Single()["JtiHash"]!;
        Assert.Contains($"jti hash {jtiHash}", mint.Error, StringComparison.Ordinal);
        await AdminCli.RunOkAsync(_app.DataPath, _time, "revocation", "add", "demo-rule", "--jti-hash", jtiHash, "--reason", "pasted into a public page");
        _time.Advance(FileRevocationList.ReloadInterval);

        Outcome.AssertRejected(_app, await _app.PostEventAsync("demo-rule", token), "demo-rule", 401, "revoked_token");
        var listed = (await AdminCli.RunOkAsync(_app.DataPath, _time, "revocation", "list")).Output;
        Assert.StartsWith($"demo-rule\t{jtiHash}\t", listed, StringComparison.Ordinal);
        Assert.Contains("pasted into a public page", listed, StringComparison.Ordinal);

        await AdminCli.RunOkAsync(_app.DataPath, _time, "revocation", "remove", "demo-rule", "--jti-hash", jtiHash);
        _time.Advance(FileRevocationList.ReloadInterval);

        Outcome.AssertAccepted(_app, await _app.PostEventAsync("demo-rule", token), "demo-rule");
        Assert.Equal("", (await AdminCli.RunOkAsync(_app.DataPath, _time, "revocation", "list")).Output);
    }

    private async Task<string> MintAsync(string integration, params string[] options) =>
        (await AdminCli.RunOkAsync(_app.DataPath, _time, ["token", "mint", integration, .. options])).Output.Trim();

    private static string KidOf(string token)
    {
        using var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(0, token.IndexOf('.'))));
        return header.RootElement.GetProperty("kid").GetString()!;
    }

    [GeneratedRegex("new version ([0-9a-f]+)")]
    private static partial Regex VersionPattern();
}
