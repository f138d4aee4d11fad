using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Inbound;

public sealed class EventPayloadTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"a":1}""")]
    [InlineData("{ \"a\" :\t1 ,\r\n \"b\" : [ true , null ] }\n", """{"a":1,"b":[true,null]}""")]
    [InlineData("""{"s":"  spaces \" and \\ stay  ","n":1.50e3}""", """{"s":"  spaces \" and \\ stay  ","n":1.50e3}""")]
    [InlineData("""{"e":"\\", "f" : "\u00e9\/\ud800"}""", """{"e":"\\","f":"\u00e9\/\ud800"}""")]
    [InlineData("{\"k\": \"Größe 😀\" }", "{\"k\":\"Größe 😀\"}")]
    [InlineData(" 42 ", "42")]
    public void Only_the_whitespace_between_tokens_goes(string json, string stored)
    {
        var compact = EventPayload.Compact(Encoding.UTF8.GetBytes(json));

        Assert.Equal(stored, Encoding.UTF8.GetString(compact.Span));
    }

    [Fact]
    public void A_body_without_such_whitespace_is_handed_on_without_a_copy()
    {
        var body = new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes("""{"a":"b c"}"""));

        Assert.True(EventPayload.Compact(body).Equals(body));
    }
}
