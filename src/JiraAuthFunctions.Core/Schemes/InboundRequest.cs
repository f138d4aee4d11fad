namespace JiraAuthFunctions.Schemes;

/// <summary>
/// What an authentication scheme may see of an HTTP request, without ASP.NET Core types: the
/// method, the path and query exactly as received (Connect's qsh hashes them), the headers, and
/// the raw body for schemes that sign it (<see cref="IInboundScheme.SignsBody"/>).
/// </summary>
public sealed class InboundRequest
{
    /// <summary>The HTTP method in upper case, e.g. <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The path as received on the wire (still percent-encoded), e.g. <c>/api/jira/events/ci</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The query string as received, without the leading <c>?</c>; empty when there is none.</summary>
    public string Query { get; init; } = "";

    /// <summary>A header's value; null when it is absent or sent more than once (never guessed between two).</summary>
    public Func<string, string?> Header { get; init; } = static _ => null;

    private ReadOnlyMemory<byte> _body;

    /// <summary>The exact bytes received, for schemes that sign the body; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Body { get => _body; init => _body = value; }

    /// <summary>
    /// Reads the body (once, within the size limit) for <see cref="BufferBodyAsync"/>: the bytes, or
    /// null when the body is larger than the limit. Null when the body is already in <see cref="Body"/>.
    /// </summary>
    public Func<CancellationToken, ValueTask<ReadOnlyMemory<byte>?>>? ReadBody { get; init; }

    /// <summary>Puts the body into <see cref="Body"/> for a scheme that signs it; false when it is larger than the limit.</summary>
    public async ValueTask<bool> BufferBodyAsync(CancellationToken cancellationToken = default)
    {
        if (ReadBody is null)
        {
            return true;
        }

        if (await ReadBody(cancellationToken).ConfigureAwait(false) is not { } body)
        {
            return false;
        }

        _body = body;
        return true;
    }

    /// <summary>The credentials of <c>Authorization: &lt;scheme&gt; &lt;credentials&gt;</c> (scheme case-insensitive, RFC 9110 11.4); null otherwise.</summary>
    public string? Credentials(string scheme) => AuthorizationHeader.Credentials(Header("Authorization"), scheme);
}

/// <summary>Reads the <c>Authorization</c> header.</summary>
public static class AuthorizationHeader
{
    /// <summary>The credentials after <paramref name="scheme"/> and one space, trimmed; null when the scheme differs or nothing follows.</summary>
    public static string? Credentials(string? header, string scheme)
    {
        if (header is null)
        {
            return null;
        }

        var value = header.AsSpan().Trim();
        if (value.Length <= scheme.Length + 1 ||
            !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ||
            value[scheme.Length] != ' ')
        {
            return null;
        }

        var credentials = value[(scheme.Length + 1)..].Trim();
        return credentials.IsEmpty ? null : RecentCredentials.Shared.Get(credentials);
    }
}
