using System.Net;
using System.Net.Http.Headers;

namespace JiraAuthFunctions.Caching;

/// <summary>One GET of a small key document (a JWKS, a PEM): bounded in size, cancelled by the caller's token (which carries the fetch timeout).</summary>
internal static class KeyDocument
{
    /// <summary>What the GET brought back.</summary>
    /// <param name="Status">The HTTP status, null when no response came.</param>
    /// <param name="Body">The body on a success status within the size limit.</param>
    /// <param name="Failure">Why there is no body: <c>http_&lt;status&gt;</c>, <c>document_too_large</c>, <c>timeout</c>, or the exception type.</param>
    public readonly record struct Response(HttpStatusCode? Status, string? Body, string? Failure);

    public static async Task<Response> GetAsync(HttpClient http, Uri uri, string accept, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new(response.StatusCode, null, $"http_{(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                return new(response.StatusCode, null, "document_too_large");
            }

            var body = await ReadBoundedAsync(response.Content, maxBytes, cancellationToken).ConfigureAwait(false);
            return body is null ? new(response.StatusCode, null, "document_too_large") : new(response.StatusCode, body, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new(null, null, "timeout");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return new(null, null, ex.GetType().Name);
        }
    }

    private static async Task<string?> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[maxBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total > maxBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }
}
