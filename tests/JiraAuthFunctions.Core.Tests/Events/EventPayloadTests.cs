using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Events;

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

    [Theory]
    [InlineData("""{"a":1}""", """{"a":1}""")]
    [InlineData("{ \"a\" :\t1 ,\r\n \"b\" : [ true , null ] }\n", """{"a":1,"b":[true,null]}""")]
    [InlineData("""{"s":"  spaces \" and \\ stay  ","n":1.50e3}""", """{"s":"  spaces \" and \\ stay  ","n":1.50e3}""")]
    [InlineData("""{"e":"\\", "f" : "\u00e9\/\ud800"}""", """{"e":"\\","f":"\u00e9\/\ud800"}""")]
    [InlineData("{\"k\": \"Größe 😀\" }", "{\"k\":\"Größe 😀\"}")]
    [InlineData(" 42 ", "42")]
    public void In_place_only_the_whitespace_between_tokens_goes_and_the_text_starts_where_it_did(string json, string stored)
    {
        var buffer = Encoding.UTF8.GetBytes(json);

        var compact = EventPayload.CompactInPlace(buffer);

        Assert.Equal(stored, Encoding.UTF8.GetString(compact.Span));
        Assert.True(compact.Equals(buffer.AsMemory(0, compact.Length)));
    }

    [Fact]
    public void In_place_gives_the_copy_s_bytes_for_any_json()
    {
        var random = new Random(11);
        string[] tokens = ["{", "}", "[", "]", ",", ":", "\"a b\"", "\"\\\" \\\\ \"", "\"\\u0020\"", "1", "-0.5e3", "true", "null", " ", "\t", "\r\n", "\"é 😀\""];
        for (var i = 0; i < 2_000; i++)
        {
            // Not JSON, mostly: the compaction only tracks strings, and both ways must agree on any text.
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 40)).Select(_ => tokens[random.Next(tokens.Length)]));
            var bytes = Encoding.UTF8.GetBytes(text);

            var copy = EventPayload.Compact(bytes.ToArray()).ToArray();
            var inPlace = EventPayload.CompactInPlace(bytes).ToArray();

            Assert.True(copy.AsSpan().SequenceEqual(inPlace), text);
        }
    }

    [Fact]
    public void A_body_without_such_whitespace_is_handed_on_without_a_copy()
    {
        var body = new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes("""{"a":"b c"}"""));

        Assert.True(EventPayload.Compact(body).Equals(body));
    }
}
