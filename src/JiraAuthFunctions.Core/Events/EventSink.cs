using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Events;

/// <summary>Where accepted events go. A returned task completes only once the event is durable.</summary>
public interface IEventSink
{
    /// <summary>Writes the event; when the task completes the event survives a crash. Throws <see cref="EventSinkUnavailableException"/> when it cannot.</summary>
    ValueTask AppendAsync(AcceptedEvent acceptedEvent, CancellationToken cancellationToken = default);
}

/// <summary>An authenticated Jira event as the sink stores it.</summary>
public sealed record AcceptedEvent
{
    public required string EventId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Integration { get; init; }
    public required JiraEventFormat Format { get; init; }

    /// <summary>The verified caller (issuer, subject, kid, jti hash); never the token.</summary>
    public required CallerInfo Caller { get; init; }

    /// <summary>
    /// The event body as received: UTF-8 JSON text, checked, every token byte for byte, only the
    /// whitespace between tokens dropped (<see cref="EventPayload.Compact"/>). Valid only during
    /// <see cref="IEventSink.AppendAsync"/>: a sink copies what it keeps.
    /// </summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }
}

/// <summary>What a sink stores of an event body.</summary>
public static class EventPayload
{
    /// <summary>
    /// The JSON text without the whitespace between its tokens, so it fits on one line; strings
    /// (escapes included), numbers and names stay exactly as received. The event is Jira's: we
    /// keep what it sent rather than our parser's reading of it. The input must be valid JSON.
    /// </summary>
    /// <returns>The input itself when it has no such whitespace, else a compacted copy.</returns>
    public static ReadOnlyMemory<byte> Compact(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        var first = FirstWhitespaceOutsideStrings(span);
        if (first < 0)
        {
            return json;
        }

        var compact = new byte[span.Length];
        span[..first].CopyTo(compact);
        return compact.AsMemory(0, Squeeze(span, compact, first));
    }

    /// <summary>
    /// As <see cref="Compact(ReadOnlyMemory{byte})"/>, in the same memory (the text only shrinks, so
    /// each byte is read before its place is written): for a body the caller owns and reads no more,
    /// without a copy the size of the body.
    /// </summary>
    /// <returns>The start of <paramref name="json"/>, as long as the compacted text.</returns>
    public static Memory<byte> CompactInPlace(Memory<byte> json)
    {
        var span = json.Span;
        var first = FirstWhitespaceOutsideStrings(span);
        return first < 0 ? json : json[..Squeeze(span, span, first)];
    }

    // From the first whitespace on: source and destination may be the same bytes (destination never ahead).
    private static int Squeeze(ReadOnlySpan<byte> source, Span<byte> destination, int first)
    {
        var length = first;
        var inString = false;
        for (var i = first; i < source.Length; i++)
        {
            var b = source[i];
            if (inString)
            {
                destination[length++] = b;
                if (b == (byte)'\\')
                {
                    destination[length++] = source[++i];
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (!IsWhitespace(b))
            {
                destination[length++] = b;
                inString = b == (byte)'"';
            }
        }

        return length;
    }

    private static int FirstWhitespaceOutsideStrings(ReadOnlySpan<byte> span)
    {
        var inString = false;
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (IsWhitespace(b))
            {
                return i;
            }
            else
            {
                inString = b == (byte)'"';
            }
        }

        return -1;
    }

    // RFC 8259's four; anything else outside a string is a token. Multi-byte UTF-8 never matches.
    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}

/// <summary>The sink could not make an event durable; the caller should answer 503 so Jira retries.</summary>
public sealed class EventSinkUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
