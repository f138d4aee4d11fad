using System.Net.Sockets;
using System.Text;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// An HTTP/1.1 request written byte for byte: a request target HttpClient would correct (<c>%</c>,
/// <c>%zz</c>), a header sent twice, any body bytes, no Content-Type at all.
/// </summary>
public sealed record RawRequest(string Method, string Target)
{
    /// <summary>Headers in order, repeats included (written as Latin-1). Host, Content-Length and Connection are added.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public byte[] Body { get; init; } = [];
}

/// <summary>Sends a <see cref="RawRequest"/> over a new loopback connection and reads the whole answer.</summary>
public static class RawHttp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<Reply> SendAsync(Uri baseAddress, RawRequest request)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port, timeout.Token);
        var stream = client.GetStream();

        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(baseAddress.Authority).Append("\r\n");
        foreach (var (name, value) in request.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(request.Body.Length).Append("\r\n");
        head.Append("Connection: close\r\n\r\n");
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), timeout.Token);
            await stream.WriteAsync(request.Body, timeout.Token);
            await stream.FlushAsync(timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer (431, 400) and close before it read everything: read what it said.
        }

        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException) when (received.Length > 0)
        {
        }

        return Parse(received.ToArray());
    }

    private static Reply Parse(byte[] response)
    {
        var text = Encoding.Latin1.GetString(response);
        var endOfHead = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(endOfHead > 0, $"No complete HTTP response head: {text[..Math.Min(text.Length, 200)]}");
        var lines = text[..endOfHead].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Select(p => new KeyValuePair<string, string>(p[0].Trim(), p[1].Trim()))
            .ToList();
        var body = response.AsSpan(endOfHead + 4).ToArray();
        if (headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }

        return new Reply(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(chunked, at, lineEnd).Split(';')[0];
            var size = Convert.ToInt32(sizeText, 16);
            at += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            body.Write(chunked, at, Math.Min(size, chunked.Length - at));
            at += size + 2;
        }

        return body.ToArray();
    }
}
