using Microsoft.Extensions.DependencyInjection;
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
            var error = await Record.ExceptionAsync(async () =>
            {
                await using var app = JiraAuthFunctions.Hosting.HandlerApp.Build(args);
                await app.StartAsync();
                await app.StopAsync();
            });

            // Mistakes in several sections come as one exception per section (as Program.cs prints them).
            return error switch
            {
                OptionsValidationException one => one,
                AggregateException { InnerExceptions: var all } when all.All(e => e is OptionsValidationException) =>
                    new OptionsValidationException("(several)", typeof(object), all.Cast<OptionsValidationException>().SelectMany(e => e.Failures)),
                _ => throw new Xunit.Sdk.XunitException($"Expected the start to fail on settings; it {(error is null ? "started" : "threw " + error)}."),
            };
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

    // Storage:* was read raw where each client was built: a bad URL surfaced only when a lease or a
    // table was first used (UriFormatException), never at start.
    [Theory]
    [InlineData("Storage:BlobServiceUri", "blob.local")]
    [InlineData("Storage:TableServiceUri", "ftp://acct.table.core.windows.net/")]
    public async Task A_storage_url_that_is_not_an_absolute_http_url_fails_the_start_whoever_uses_it(string key, string value)
    {
        await using var factory = new HandlerFactory();
        factory.Settings[key] = value;

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains($"{key} must be an absolute URL", error.Message, StringComparison.Ordinal);
    }

    // The revocation store's options were bound without the settings check: a value that does not
    // convert threw the binder's InvalidOperationException instead of naming the key.
    [Fact]
    public async Task A_revocation_poll_interval_that_does_not_bind_fails_the_start_naming_its_key()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Inbound:RevocationPollInterval"] = "half a minute";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Inbound:RevocationPollInterval: not a valid value; expected a duration", error.Message, StringComparison.Ordinal);
    }

    // Three ways to build a credential: with a client id but no vault, storage clients signed in
    // with DefaultAzureCredential instead of the configured user-assigned identity.
    [Fact]
    public async Task Every_Azure_client_signs_in_with_the_configured_user_assigned_identity()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["KeyVault:ManagedIdentityClientId"] = "11111111-2222-3333-4444-555555555555";
        using var client = factory.CreateClient();

        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(factory.Services.GetRequiredService<Azure.Core.TokenCredential>());
    }

    [Theory]
    [InlineData("Signing:MaxTokenLifetime", "00:00:00", "Signing:MaxTokenLifetime must be positive")]
    [InlineData("Signing:PublicationInterval", "-00:01:00", "Signing:KeyLifetime must be longer than Signing:PublicationInterval")]
    [InlineData("Jira:Connections:Bad_Name:ClientId", "id", "Jira:Connections:Bad_Name: connection names use lowercase letters")]
    [InlineData("Jira:Connections:cloud:CloudId", "site", "Jira:Connections:cloud:ClientId is required")]
    [InlineData("Storage:ConnectionString:Part", "x", "Storage:ConnectionString: takes a single value")]
    public async Task Every_section_is_validated_at_start_naming_the_full_key(string key, string value, string expected)
    {
        await using var factory = new HandlerFactory();
        factory.Settings[key] = value;

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistakes_in_several_sections_are_all_named()
    {
        await using var factory = new HandlerFactory();
        factory.Settings["Storage:TableServiceUri"] = "table.local";
        factory.Settings["Events:Sink"] = "Queue";
        factory.Settings["Events:QueueName"] = "Bad_Name";

        var error = await StartFailsAsync(factory.Settings);

        Assert.Contains("Storage:TableServiceUri must be an absolute URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("Events:QueueName", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Inbound:SharedSecretCache:MaxStaleness", "8.00:00:00", "Inbound:SharedSecretCache:MaxStaleness must be between 00:00:00 and 7.00:00:00")]
    [InlineData("Inbound:ConnectTenantCache:RefreshInterval", "2.00:00:00", "Inbound:ConnectTenantCache:RefreshInterval must be between 00:00:01 and 1.00:00:00")]
    [InlineData("Signing:Cache:FetchTimeout", "00:00:00", "Signing:Cache:FetchTimeout must be between 00:00:01 and 00:05:00")]
    [InlineData("Signing:Cache:RefreshInterval", "soon", "Signing:Cache:RefreshInterval")]
    public async Task Cache_settings_are_checked_at_start_naming_the_key(string key, string value, string expected)
    {
        await using var factory = new HandlerFactory();
        factory.Settings[key] = value;

        var error = await StartFailsAsync(factory.Settings);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
