using JiraAuthFunctions.FunctionalTests.Support;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>What an operator sees when the CLI meets a broken file or bad settings: one clear line, never a stack trace.</summary>
[Collection(ProcessEnvironment.Name)]
public sealed class CliErrorTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("jiraauth-cli-errors-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Theory]
    [InlineData("secret", "list", "demo")]
    [InlineData("secret", "rotate", "demo")]
    [InlineData("token", "mint", "demo")]
    public async Task A_corrupt_secret_file_is_a_clear_message_and_exit_1(params string[] args)
    {
        await File.WriteAllTextAsync(Path.Combine(_data, "secrets.json"), "{ \"inbound-demo\": [ {\"value\": \"half-written-secret-value");

        var result = await AdminCli.RunAsync(_data, TimeProvider.System, args);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("secrets.json", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("half-written-secret-value", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_that_do_not_bind_are_named_not_thrown()
    {
        Environment.SetEnvironmentVariable("Inbound__Integrations__demo__Replay", "Sometimes");
        try
        {
            var result = await AdminCli.RunAsync(_data, TimeProvider.System, "secret", "list", "demo");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("Inbound:Integrations:demo:Replay", result.Error, StringComparison.Ordinal);
            Assert.Contains("PerRequest, LongLivedToken", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Inbound__Integrations__demo__Replay", null);
        }
    }
}

/// <summary>Tests that set process environment variables (as an operator's shell would) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public const string Name = "process environment";
}
