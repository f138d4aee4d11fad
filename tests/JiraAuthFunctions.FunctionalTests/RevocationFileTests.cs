using System.Diagnostics;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Revocations fail closed with the local file (the embedded default): a revocation file that cannot
/// be read stops the start with one line naming the file, in the app and in the CLI, never a stack trace.
/// </summary>
public sealed class RevocationFileTests : IDisposable
{
    private const string NotJson = "[{ this is not json";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "jiraauth-tests", Guid.NewGuid().ToString("N"));

    public RevocationFileTests()
    {
        Directory.CreateDirectory(_data);
        File.WriteAllText(RevocationFile, NotJson);
    }

    private string RevocationFile => Path.Combine(_data, "revocations.json");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_corrupt_revocation_file_at_start_stops_the_start_naming_the_file()
    {
        var settings = TestApp.SharedSecretIntegration("ci", replay: "LongLivedToken");
        settings["DataPath"] = _data;

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(settings)).DisposeAsync());

        Assert.Contains(RevocationFile, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task The_handler_process_with_a_corrupt_revocation_file_exits_with_one_line_and_no_stack_trace()
    {
        using var process = HandlerProcess.Start(_data, Ports.Free(), TestApp.SharedSecretIntegration("ci"), out var output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The handler started with an unreadable revocation file: {output}");
        }

        process.WaitForExit(); // drains the output
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(text.Split('\n'), line => line.Contains(RevocationFile, StringComparison.Ordinal) && line.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add", "demo-rule", "--jti-hash", "0123456789abcdef")]
    [InlineData("remove", "demo-rule", "--jti-hash", "0123456789abcdef")]
    [InlineData("list")]
    public async Task The_cli_says_in_one_line_that_the_revocation_file_is_unreadable_and_changes_nothing(params string[] command)
    {
        var result = await AdminCli.RunAsync(_data, TimeProvider.System, ["revocation", .. command]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(RevocationFile, result.Error, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(NotJson, await File.ReadAllTextAsync(RevocationFile));
    }
}
