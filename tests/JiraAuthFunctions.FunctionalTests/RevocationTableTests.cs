using System.Diagnostics;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Revocations shared by every instance (Inbound:RevocationStore=Table, the replay table in Azurite):
/// the CLI writes to the table, every running instance refuses the token within its poll interval
/// (one second here), and a table that cannot answer is never read as "nothing revoked".
/// </summary>
public sealed class RevocationTableTests : IAsyncLifetime
{
    private const string Secret = "revocation-table-shared-secret-0123456789abcdef";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private Azurite _azurite = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        await CreateTableAsync(_azurite);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    // As the deployment does.
    private static Task CreateTableAsync(Azurite azurite) =>
        new Azure.Data.Tables.TableClient(azurite.ConnectionString, JiraAuthFunctions.Inbound.TableReplayCache.DefaultTableName).CreateIfNotExistsAsync();

    private static Dictionary<string, string?> Settings(string connectionString, string? dataPath = null)
    {
        var settings = TestApp.SharedSecretIntegration("ci", replay: "LongLivedToken");
        settings["Inbound:RevocationStore"] = "Table";
        settings["Inbound:RevocationPollInterval"] = "00:00:01";
        settings["Storage:ConnectionString"] = connectionString;
        if (dataPath is not null)
        {
            settings["DataPath"] = dataPath; // the second instance shares the first one's secret store, as instances share Key Vault
        }

        return settings;
    }

    private static string Token(string version, string jti)
    {
        var claims = TestTokens.Claims(TimeProvider.System.GetUtcNow());
        claims["jti"] = jti;
        return Http.Bearer(TestTokens.Create(TestTokens.Header("HS256", version), claims, TestTokens.Hmac(Secret)));
    }

    private static async Task<Reply> WaitForStatusAsync(TestApp app, string token, int status)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reply = await app.PostEventAsync("ci", token);
            if (reply.Status == status || clock.Elapsed > Patience)
            {
                return reply;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private Task<AdminCli.Result> CliAsync(string dataPath, params string[] args) =>
        AdminCli.RunAsync(dataPath, TimeProvider.System, ["revocation", .. args, "--connection-string", _azurite.ConnectionString]);

    [Fact]
    public async Task A_token_revoked_with_the_cli_is_refused_by_every_instance_within_the_poll_interval_and_taken_back()
    {
        await using var first = await TestApp.StartAsync(Settings(_azurite.ConnectionString));
        var version = (await first.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", Secret)).Version;
        await using var second = await TestApp.StartAsync(Settings(_azurite.ConnectionString, first.DataPath));
        var jti = Guid.NewGuid().ToString("N");
        var token = Token(version, jti);
        Outcome.AssertAccepted(first, await first.PostEventAsync("ci", token), "ci");
        Outcome.AssertAccepted(second, await second.PostEventAsync("ci", token), "ci");

        // "ci" is configured in the app, not in this CLI's Local settings: the table target still takes it.
        var add = await CliAsync(first.DataPath, "add", "ci", "--jti", jti, "--reason", "pasted into a public page");
        Assert.True(add.ExitCode == 0, add.Error);

        Outcome.AssertRejected(first, await WaitForStatusAsync(first, token, 401), "ci", 401, "revoked_token");
        Outcome.AssertRejected(second, await WaitForStatusAsync(second, token, 401), "ci", 401, "revoked_token");
        var listed = await CliAsync(first.DataPath, "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.StartsWith($"ci\t{JiraAuthFunctions.Replay.JtiHash.Compute(jti)}\t", listed.Output, StringComparison.Ordinal);
        Assert.Contains("pasted into a public page", listed.Output, StringComparison.Ordinal);

        var remove = await CliAsync(first.DataPath, "remove", "ci", "--jti", jti);
        Assert.True(remove.ExitCode == 0, remove.Error);
        Assert.Equal(202, (await WaitForStatusAsync(first, token, 202)).Status);
        Assert.Equal(202, (await WaitForStatusAsync(second, token, 202)).Status);
        Assert.Equal("", (await CliAsync(first.DataPath, "list")).Output);
    }

    [Fact]
    public async Task The_cli_against_an_unreachable_table_says_so_in_one_line_without_a_stack_trace()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";

        var result = await AdminCli.RunAsync(Path.GetTempPath(), TimeProvider.System, "revocation", "add", "demo-rule", "--jti-hash", "0123456789abcdef", "--connection-string", unreachable);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("replay", result.Error, StringComparison.Ordinal);
        Assert.Contains("could not", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("AAAA", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_table_at_start_stops_the_start_in_one_line()
    {
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:{Ports.Free()}/devstoreaccount1;";

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(Settings(unreachable))).DisposeAsync());

        Assert.Contains("replay", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("AAAA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_outage_while_running_keeps_the_last_list_in_force_and_health_says_unhealthy()
    {
        // A table of its own, deleted halfway: the store stops answering (404 TableNotFound) for this app only.
        var table = new Azure.Data.Tables.TableClient(_azurite.ConnectionString, "outage" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        var settings = Settings(_azurite.ConnectionString);
        settings["Inbound:ReplayTableName"] = table.Name;
        await using var app = await TestApp.StartAsync(settings);
        var version = (await app.Services.GetRequiredService<ISecretStore>().SetSecretAsync("inbound-ci", Secret)).Version;
        var jti = Guid.NewGuid().ToString("N");
        var add = await CliAsync(app.DataPath, "add", "ci", "--jti", jti, "--table-name", table.Name);
        Assert.True(add.ExitCode == 0, add.Error);
        Assert.Equal(401, (await WaitForStatusAsync(app, Token(version, jti), 401)).Status);

        await table.DeleteAsync();
        var health = await WaitForRevocationsStateAsync(app, "unhealthy");

        Assert.Equal("unhealthy", health.GetProperty("state").GetString());
        Assert.Contains($"table {table.Name}", health.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("TableNotFound", health.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, health.GetProperty("lastSuccess").ValueKind);
        Assert.NotEmpty(app.Logs.WithEventId(EventIds.RevocationStoreUnavailable));
        Outcome.AssertRejected(app, await app.PostEventAsync("ci", Token(version, jti)), "ci", 401, "revoked_token");
        Assert.Equal(202, (await app.PostEventAsync("ci", Token(version, Guid.NewGuid().ToString("N")))).Status);
    }

    private static async Task<JsonElement> WaitForRevocationsStateAsync(TestApp app, string state)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var health = JsonDocument.Parse(await app.Client.GetStringAsync(new Uri("/api/health", UriKind.Relative)));
            var revocations = health.RootElement.GetProperty("dependencies").EnumerateArray().Where(d => d.GetProperty("name").GetString() == "revocations").Select(d => d.Clone()).ToList();
            if ((revocations.Count == 1 && revocations[0].GetProperty("state").GetString() == state) || clock.Elapsed > Patience)
            {
                return Assert.Single(revocations);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
