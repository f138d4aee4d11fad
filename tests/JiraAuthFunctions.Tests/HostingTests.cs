using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Tests;

/// <summary>Options are validated when the host starts, with every mistake named by its full key and no secret in the text.</summary>
public sealed class HostingTests
{
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

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Inbound:Integrations:ci:Audience", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ci:Algorithms", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ci:PublicKeys:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Inbound:Integrations:ops:Algorithms", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA", error.Message, StringComparison.Ordinal);
    }
}
