using System.Buffers;
using System.Text.Json;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// <see cref="Utf8JsonWriter"/>s kept per thread, one per kind of output: a writer is a few hundred
/// bytes, and an accepted event needs two (its record and the 202). Rent, write, <see cref="Return"/>
/// on the same thread without an await in between: the writer holds no output once returned.
/// </summary>
internal static class PooledJsonWriters
{
    // Relaxed escaping keeps "Größe" readable; records are JSON lines or queue messages, never embedded in HTML.
    private static readonly JsonWriterOptions RecordOptions = new() { SkipValidation = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static Utf8JsonWriter? t_record;

    [ThreadStatic]
    private static Utf8JsonWriter? t_response;

    /// <summary>A writer for an event record (relaxed escaping, validated).</summary>
    public static Utf8JsonWriter RentForRecord(IBufferWriter<byte> output) => Rent(ref t_record, output, RecordOptions);

    /// <summary>A writer for a response body (the default options: HTML-safe escaping).</summary>
    public static Utf8JsonWriter RentForResponse(IBufferWriter<byte> output) => Rent(ref t_response, output, default);

    /// <summary>Back for the next rent on this thread, without its output; call <see cref="Utf8JsonWriter.Flush"/> first.</summary>
    public static void Return(Utf8JsonWriter writer)
    {
        writer.Reset();
        if (writer.Options.Encoder == RecordOptions.Encoder)
        {
            t_record = writer;
        }
        else
        {
            t_response = writer;
        }
    }

    // Taken out of its slot while rented: a nested use on this thread gets a writer of its own.
    private static Utf8JsonWriter Rent(ref Utf8JsonWriter? slot, IBufferWriter<byte> output, JsonWriterOptions options)
    {
        var writer = slot;
        if (writer is null)
        {
            return new Utf8JsonWriter(output, options);
        }

        slot = null;
        writer.Reset(output);
        return writer;
    }
}
