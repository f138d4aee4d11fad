using System.Net.Http.Headers;

namespace JiraAuthFunctions.Events;

/// <summary>
/// Whether a <c>Content-Type</c> says JSON text as RFC 8259 defines it: <c>application/json</c> or a
/// <c>+json</c> type, with no charset or <c>utf-8</c>. Absent, repeated (read as absent), a list, or
/// another charset is not JSON: the body would be read as something the sender did not mean.
/// </summary>
public static class JsonMediaType
{
    public static bool Matches(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) &&
        parsed.MediaType is { } mediaType &&
        (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)) &&
        (parsed.CharSet is null || parsed.CharSet.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
