using System.Text;
using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>What a lifecycle body must be before a tenant changes: anything else is refused (400), never an exception.</summary>
public sealed class LifecyclePayloadTests
{
    private const string Good = """{"key":"app","clientKey":"jira:1","baseUrl":"https://site.atlassian.net","sharedSecret":"s3cret","description":"Jira","eventType":"installed"}""";

    private static ConnectLifecycle.Payload? Read(string json, LifecycleEvent lifecycle = LifecycleEvent.Installed) =>
        ConnectLifecycle.Payload.Read(Encoding.UTF8.GetBytes(json), lifecycle);

    [Fact]
    public void A_good_install_is_read()
    {
        var payload = Read(Good);

        Assert.NotNull(payload);
        Assert.Equal("jira:1", payload.ClientKey);
        Assert.Equal("Jira", payload.Installation!.Description);
    }

    [Theory]
    [InlineData("clientKey", "\"jira:\\ud800\"")]
    [InlineData("baseUrl", "\"https://\\udc00.example\"")]
    [InlineData("sharedSecret", "\"a\\udc00\\ud800b\"")]
    [InlineData("description", "\"\\ud800\"")]
    public void A_lone_surrogate_escape_in_a_string_it_reads_is_refused(string member, string json)
    {
        Assert.Null(Read(Good.Replace($"\"{member}\":\"", $"\"{member}\":{json},\"x-{member}\":\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_member_name_is_refused()
    {
        Assert.Null(Read(Good.Replace("\"key\"", "\"\\ud800\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_even_in_a_member_it_does_not_read()
    {
        var uninstall = Good.Replace("\"installed\"", "\"uninstalled\"", StringComparison.Ordinal);
        Assert.NotNull(Read(uninstall, LifecycleEvent.Uninstalled));
        var body = Encoding.UTF8.GetBytes(uninstall.Replace("Jira", "J\u00ffra", StringComparison.Ordinal));
        body[Array.IndexOf(body, (byte)0xC3)] = 0xC0; // an overlong sequence where a valid one stood

        Assert.Null(ConnectLifecycle.Payload.Read(body, LifecycleEvent.Uninstalled));
    }

    [Theory]
    [InlineData("clientKey", "jira:other")]
    [InlineData("sharedSecret", "another-secret")]
    [InlineData("description", "twice")]
    public void A_repeated_member_is_refused_whichever_copy_a_parser_would_take(string member, string value)
    {
        Assert.Null(Read(Good[..^1] + $",\"{member}\":\"{value}\"}}"));
        Assert.Null(Read("{" + $"\"{member}\":\"{value}\"," + Good[1..]));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        Assert.Null(Read(Good[..^1] + ",\"deep\":" + new string('[', 5000) + new string(']', 5000) + "}"));
    }
}
