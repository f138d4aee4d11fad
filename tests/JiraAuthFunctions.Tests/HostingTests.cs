using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Tests;

/// <summary>Options are validated when the host starts, with every mistake named by its full key and no secret in the text.</summary>
public sealed class HostingTests
{
    /// <summary>
    /// Starts the standalone host itself with these settings (as command-line arguments) and returns
    /// why it refused to start. Not through WebApplicationFactory: when a start fails, its deferred
    /// host races the entry point's disposal of the real host and sometimes reports
    /// ObjectDisposedException instead of the start error.
    /// </summary>
    private static async Task<OptionsValidationException> StartFailsAsync(IDictionary<string, string?> settings)
    {
        var data = Directory.CreateTempSubdirectory("jiraauth-hosting-").FullName;
        try
        {
            string[] args = [.. settings.Select(s => $"--{s.Key}={s.Value}"), $"--DataPath={data}", "--urls=http://127.0.0.1:0"];
            return await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
            {
                await using var app = JiraAuthFunctions.Hosting.HandlerApp.Build(args);
                await app.StartAsync();
                await app.StopAsync();
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_integration_stops_the_host_at_start_naming_each_bad_key()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:ci:Verification"] = "PublicKeys";
        factory.Settings["Inbound:Integrations:ci:Issuers:0"] = "jira";
        factory.Settings["Inbound:Integrations:ci:Algorithms:0"] = "HS256";
        // Not a key: a PEM-shaped private-key label around marker text, to see it refused without echo.
        factory.Settings["Inbound:Integrations:ci:PublicKeys:0:Pem"] = $"-----BEGIN {"PRIVATE"} KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END {"PRIVATE"} KEY-----";
        factory.Settings["Inbound:Integrations:ops:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ops:Issuers:0"] = "jira";
        factory.Settings["Inbound:Integrations:ops:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:ops:Algorithms:0"] = "XS999";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Inbound:Integrations:ci:Audience", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ci:Algorithms", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ci:PublicKeys:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ops:Algorithms", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA", error.Message, StringComparison.Ordinal);
    }

    // The binder drops a dictionary entry whose value does not convert: the integration vanished and
    // every request got 401 unknown_integration while health said ok. Each must stop the start instead.
    [Theory]
    [InlineData("Verification", "Magic", "one of SharedSecret")]
    [InlineData("Replay", "Sometimes", "one of PerRequest, LongLivedToken")]
    [InlineData("Replay", "7", "one of PerRequest, LongLivedToken")]
    [InlineData("MaxTokenLifetime", "abc", "a duration")]
    [InlineData("MaxTokenLifetime", "", "a duration")]
    [InlineData("JwksMinRefetchInterval", "30 seconds", "a duration")]
    [InlineData("Issuer", "jira", "not a setting")]
    [InlineData("Issuers:first", "jira", "numbered entries")]
    public async Task A_setting_that_does_not_bind_stops_the_start_naming_its_full_key(string key, string value, string expected)
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:ci:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ci:Issuers:0"] = "jira";
        factory.Settings["Inbound:Integrations:ci:Audience"] = "jira-auth-functions";
        factory.Settings["Inbound:Integrations:ci:Algorithms:0"] = "HS256";
        factory.Settings[$"Inbound:Integrations:ci:{key}"] = value;

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains($"Inbound:Integrations:ci:{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_key_of_a_section_is_named_at_once()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:a:Verification"] = "Magic";
        factory.Settings["Inbound:Integrations:b:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:b:Replay"] = "Sometimes";
        factory.Settings["Inbound:ClockSkew"] = "a minute";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Inbound:Integrations:a:Verification", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:b:Replay", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:ClockSkew", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_is_named_but_never_echoed()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:Integrations:ci:Verification"] = "SharedSecret";
        factory.Settings["Inbound:Integrations:ci:MaxTokenLifetime"] = "pasted-secret-by-mistake-0123456789";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Inbound:Integrations:ci:MaxTokenLifetime", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pasted-secret-by-mistake", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Jsonlines", null)] // any case, as every enum setting
    [InlineData("Queue", "Storage:QueueServiceUri")]
    [InlineData("Quue", "Events:Sink: not a valid value; expected one of JsonLines, Queue")]
    [InlineData("Files", "Events:Sink: not a valid value; expected one of JsonLines, Queue")]
    public async Task The_event_sink_is_validated_at_start(string sink, string? expectedError)
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Events:Sink"] = sink;

        if (expectedError is null)
        {
            using var client = factory.CreateClient();
            return;
        }

        var error = await StartFailsAsync(factory.Settings);
        Assert.Contains(expectedError, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_queue_sink_with_a_bad_queue_name_or_storage_url_fails_the_start()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Events:Sink"] = "Queue";
        factory.Settings["Events:QueueName"] = "Accepted_Events";
        factory.Settings["Storage:QueueServiceUri"] = "queue.core.windows.net";
        factory.Settings["Storage:BlobServiceUri"] = "https://acct.blob.core.windows.net/";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Events:QueueName", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:QueueServiceUri must be an absolute URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Storage:BlobServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KeyVault:VaultUri", "http://vault.example/", "KeyVault:VaultUri must be the vault's https URL")]
    [InlineData("KeyVault:ManagedIdentityClientId", "my-identity", "KeyVault:ManagedIdentityClientId must be")]
    public async Task Key_vault_settings_are_checked_at_start(string key, string value, string expected)
    {
        await using var factory = new HandlerFactory();
        factory.Settings["KeyVault:VaultUri"] = "https://vault.example/";
        factory.Settings[key] = value;

        var error = await StartFailsAsync(factory.Settings);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
