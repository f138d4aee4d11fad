using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Events;

public sealed class JsonMediaTypeTests
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/vnd.atlassian+json")]
    public void Json_text_in_utf8_matches(string contentType)
    {
        Assert.True(JsonMediaType.Matches(contentType));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=xyz")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/json,text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public void Anything_else_does_not(string? contentType)
    {
        Assert.False(JsonMediaType.Matches(contentType));
    }
}
