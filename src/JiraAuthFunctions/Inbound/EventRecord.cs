using System.Buffers;
using System.Text.Json;
using JiraAuthFunctions.Events;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// An accepted event as every sink stores it: one JSON object with the event id, when, which
/// integration and format, who sent it (never the token), and the event body as received
/// (<see cref="AcceptedEvent.Payload"/>: Jira's bytes, not a re-serialization).
/// </summary>
internal static class EventRecord
{
    /// <remarks>Relaxed escaping (<see cref="PooledJsonWriters.RentForRecord"/>) keeps "Größe" readable; records are JSON lines or queue messages, never embedded in HTML.</remarks>
    public static void Write(IBufferWriter<byte> buffer, AcceptedEvent e)
    {
        var writer = PooledJsonWriters.RentForRecord(buffer);
        try
        {
            Write(writer, e);
            writer.Flush();
        }
        finally
        {
            PooledJsonWriters.Return(writer);
        }
    }

    private static void Write(Utf8JsonWriter writer, AcceptedEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("eventId", e.EventId);
        writer.WriteString("receivedAt", e.ReceivedAt);
        writer.WriteString("integration", e.Integration);
        writer.WriteString("format", e.Format.ToCode());
        writer.WriteStartObject("caller");
        writer.WriteString("issuer", e.Caller.Issuer);
        writer.WriteString("subject", e.Caller.Subject);
        writer.WriteString("kid", e.Caller.Kid);
        writer.WriteString("jtiHash", e.Caller.JtiHash);
        if (e.Caller.Context.Count > 0)
        {
            writer.WriteStartObject("context");
            foreach (var (name, value) in e.Caller.Context)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WritePropertyName("event");

        // Checked again here (cheap next to the write): a record is never broken JSON.
        writer.WriteRawValue(e.Payload.Span);
        writer.WriteEndObject();
    }
}
