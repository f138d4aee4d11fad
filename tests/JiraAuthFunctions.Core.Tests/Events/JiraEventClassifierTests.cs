using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Core.Tests.Events;

public sealed class JiraEventClassifierTests
{
    [Theory]
    [InlineData("""{"webhookEvent":"jira:issue_created","timestamp":1,"issue":{"key":"A-1"}}""", JiraEventFormat.Webhook)]
    [InlineData("""{"webhookEvent":"comment_created","comment":{"id":"1"}}""", JiraEventFormat.Webhook)]
    [InlineData("""{"issue":{"key":"A-1","fields":{}},"user":{"accountId":"x"}}""", JiraEventFormat.JiraFormat)]
    [InlineData("""{"key":"A-1","fields":{"summary":"s"}}""", JiraEventFormat.AutomationFormat)]
    [InlineData("""{"webhookEvent":1}""", JiraEventFormat.Unknown)]
    [InlineData("""{"issue":{"key":""}}""", JiraEventFormat.Unknown)]
    [InlineData("""{"issue":{"key":"\ud800"}}""", JiraEventFormat.JiraFormat)] // valid JSON that GetString refuses
    [InlineData("""{"\udc00":1,"key":"\ud83d","fields":{}}""", JiraEventFormat.AutomationFormat)]
    [InlineData("""{"issue":"A-1"}""", JiraEventFormat.Unknown)]
    [InlineData("""{"key":"A-1"}""", JiraEventFormat.Unknown)]
    [InlineData("""{"hello":"world"}""", JiraEventFormat.Unknown)]
    [InlineData("{}", JiraEventFormat.Unknown)]
    [InlineData("[]", JiraEventFormat.Unknown)]
    [InlineData("\"webhookEvent\"", JiraEventFormat.Unknown)]
    [InlineData("null", JiraEventFormat.Unknown)]
    public void Bodies_are_told_apart_by_their_top_level_shape(string json, JiraEventFormat expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, JiraEventClassifier.Classify(document.RootElement));
        Assert.Equal(expected, JiraEventClassifier.Classify(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"webhookEvent":"x"} {}""")] // two values
    [InlineData("""{"webhookEvent":"x"}x""")]
    [InlineData("""{"webhookEvent":"x",}""")] // trailing comma
    [InlineData("""{"webhookEvent":"x" /* c */}""")] // comment
    [InlineData("""{"webhookEvent":"x","n":01}""")] // leading zero
    [InlineData("""{"webhookEvent":"x","s":"\q"}""")] // bad escape
    [InlineData("""{"webhookEvent":'x'}""")]
    [InlineData("{\"webhookEvent\":\"x\"")] // cut short
    [InlineData("\uFEFF{\"webhookEvent\":\"x\"}")] // a byte order mark is not JSON text (RFC 8259 8.1)
    [InlineData("")]
    [InlineData("   ")]
    public void Text_that_is_not_one_json_value_is_no_event(string json)
    {
        Assert.Equal(JiraEventFormat.Unknown, JiraEventClassifier.Classify(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void A_body_that_is_not_utf8_is_no_event_even_inside_a_string()
    {
        var body = Encoding.UTF8.GetBytes("""{"webhookEvent":"jira:issue_updated","x":"?"}""");
        body[^3] = 0xFF;

        Assert.Equal(JiraEventFormat.Unknown, JiraEventClassifier.Classify(body));
    }

    [Theory]
    [InlineData(JiraEventClassifier.MaxDepth, JiraEventFormat.Webhook)]
    [InlineData(JiraEventClassifier.MaxDepth + 1, JiraEventFormat.Unknown)]
    public void Nesting_deeper_than_the_limit_is_no_event(int depth, JiraEventFormat expected)
    {
        // The root object is depth 1; "a" nests arrays inside it.
        var json = """{"webhookEvent":"x","a":""" + new string('[', depth - 1) + new string(']', depth - 1) + "}";

        Assert.Equal(expected, JiraEventClassifier.Classify(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>
    /// The reader decides as the document did (the endpoint's check until the reader: UTF-8, then
    /// JsonDocument.Parse with MaxDepth 64, then <see cref="JiraEventClassifier.Classify(JsonElement)"/>)
    /// over hand-picked bodies and many made by mutating them: invalid JSON, deep nesting, huge
    /// numbers, duplicate and escaped names, lone surrogates, non-object top levels.
    /// </summary>
    [Fact]
    public void The_reader_classifies_every_body_exactly_as_the_parsed_document()
    {
        var checkedBodies = 0;
        foreach (var body in Bodies())
        {
            var expected = ByDocument(body);
            var actual = JiraEventClassifier.Classify(body);
            Assert.True(expected == actual, $"{Encoding.UTF8.GetString(body)}: the document says {expected}, the reader {actual}");
            checkedBodies++;
        }

        Assert.True(checkedBodies > 20_000);
    }

    private static JiraEventFormat ByDocument(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return JiraEventFormat.Unknown;
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            return JiraEventClassifier.Classify(document.RootElement);
        }
        catch (JsonException)
        {
            return JiraEventFormat.Unknown;
        }
    }

    private static readonly string[] Seeds =
    [
        """{"webhookEvent":"jira:issue_created","timestamp":1,"issue":{"key":"A-1"}}""",
        """{"issue":{"key":"A-1","fields":{}},"user":{"accountId":"x"}}""",
        """{"key":"A-1","fields":{"summary":"s"}}""",
        """{"webhookEvent":"a","webhookEvent":1}""",
        """{"webhookEvent":1,"webhookEvent":"a"}""",
        """{"issue":{"key":"A-1"},"issue":{"key":""}}""",
        """{"issue":{"key":""},"issue":{"key":"A-1"}}""",
        """{"issue":{"key":"A-1","key":2}}""",
        """{"issue":{"key":2,"key":"A-1"}}""",
        """{"issue":{"issue":{"key":"A-1"}}}""",
        """{"issue":{"fields":{"key":"A-1"}}}""",
        """{"issue":[{"key":"A-1"}]}""",
        """{"key":"A-1","fields":{},"fields":[]}""",
        """{"key":"A-1","fields":[],"fields":{}}""",
        """{"key":"","fields":{}}""",
        """{"key":"\u0000","fields":{}}""",
        """{"key":"\"","fields":{}}""",
        """{"k\u0065y":"A-1","fi\u0065lds":{}}""",
        """{"webhook\u0045vent":"x"}""",
        """{"\u0069ssue":{"\u006bey":"A-1"}}""",
        """{"\ud800":"x","webhookEvent":"y"}""",
        """{"issue":{"\udfff":1,"key":"\ud800"}}""",
        """{"webhookEvent\ud800":"x"}""",
        """{"WebhookEvent":"x","KEY":"A-1","Fields":{}}""",
        """{"webhookEvent":null,"issue":null,"key":null,"fields":null}""",
        """{"webhookEvent":{"a":"b"},"issue":{"key":"A-1"}}""",
        """{"n":123456789012345678901234567890e999999,"webhookEvent":"x"}""",
        """{"n":-0.0000000000000000000000000001E-400,"key":"A-1","fields":{}}""",
        """{"a":[[[[[[[[[[]]]]]]]]]],"issue":{"key":"A-1","x":{"y":{"z":[1,2,{"key":""}]}}}}""",
        """{ "webhookEvent" : "x" , "issue" : { "key" : "A-1" } }""",
        "{\"key\":\"Größe 😀\",\"fields\":{}}",
        "{\"webhookEvent\":\"\u00e9\"}\n",
        """[{"webhookEvent":"x"}]""",
        "\"x\"",
        "42",
        "true",
        "null",
        "{}",
        "",
    ];

    // Fragments spliced in at random places: structure, escapes, numbers, names looked for.
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\n", "\"key\":", "\"issue\":", "\"fields\":",
        "\"webhookEvent\":", "\"A-1\"", "\"\"", "{}", "[]", "1e999", "-", "0", "01", "1.", ".5", "tru", "null", "/*x*/", " ",
        "\t", "\r\n", "\u00e9", "😀", "\uFEFF", "{\"key\":\"A-1\"}", ",\"webhookEvent\":\"x\"", ",\"issue\":{\"key\":\"B\"}",
    ];

    private static IEnumerable<byte[]> Bodies()
    {
        foreach (var seed in Seeds)
        {
            yield return Encoding.UTF8.GetBytes(seed);
        }

        for (var depth = 60; depth <= 68; depth++)
        {
            yield return Encoding.UTF8.GetBytes("""{"webhookEvent":"x","a":""" + new string('[', depth) + new string(']', depth) + "}");
            yield return Encoding.UTF8.GetBytes("""{"key":"A-1","fields":""" + string.Concat(Enumerable.Repeat("""{"a":""", depth)) + "1" + new string('}', depth) + "}");
        }

        var random = new Random(20261202);
        for (var i = 0; i < 30_000; i++)
        {
            var text = new StringBuilder(Seeds[random.Next(Seeds.Length)]);
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(text.Length + 1);
                switch (random.Next(4))
                {
                    case 0:
                        text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                        break;
                    case 1 when at < text.Length:
                        text.Remove(at, Math.Min(random.Next(1, 4), text.Length - at));
                        break;
                    case 2:
                        text.Length = at; // cut short
                        break;
                    default:
                        // a member from another seed spliced in: duplicates and nesting
                        var other = Seeds[random.Next(Seeds.Length)];
                        text.Insert(at, other.Length > 2 ? other[1..^1] + "," : other);
                        break;
                }
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            if (random.Next(20) == 0 && bytes.Length > 0)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100); // not UTF-8, mostly
            }

            yield return bytes;
        }
    }

    [Theory]
    [InlineData(JiraEventFormat.Webhook, "webhook")]
    [InlineData(JiraEventFormat.JiraFormat, "jira_format")]
    [InlineData(JiraEventFormat.AutomationFormat, "automation_format")]
    [InlineData(JiraEventFormat.Unknown, "unknown")]
    public void Formats_have_stable_codes_for_logs_and_the_event_file(JiraEventFormat format, string code)
    {
        Assert.Equal(code, format.ToCode());
    }
}
