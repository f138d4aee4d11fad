using System.Net.Http.Headers;
using System.Text;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// Reads a token request (RFC 6749 4.4.2) from its parts: the form body and the client's credentials,
/// by HTTP Basic (RFC 6749 2.3.1) or <c>client_id</c>/<c>client_secret</c> in the body, not both (2.3).
/// Shared by the token endpoint and <c>jiraauth check</c>, so both refuse exactly the same requests.
/// Null means "not a well-formed token request" (<see cref="Telemetry.ReasonCode.InvalidTokenRequest"/>).
/// </summary>
public static class TokenRequestReader
{
    public const string FormMediaType = "application/x-www-form-urlencoded";

    /// <summary>A token request is a few short parameters; anything larger is not one.</summary>
    public const int MaxBodyBytes = 4096;

    // Longer than any Basic value of ours (a 64-character id and a 43-character secret, encoded): not read.
    private const int MaxBasicCredentials = 2048;

    public static bool IsForm(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
        string.Equals(mediaType.MediaType, FormMediaType, StringComparison.OrdinalIgnoreCase);

    /// <param name="authorization">Every Authorization header value the request carried.</param>
    /// <param name="body">The whole body, at most <see cref="MaxBodyBytes"/>.</param>
    public static TokenRequest? Read(IReadOnlyList<string?> authorization, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes || authorization.Count > 1 || ParseForm(body) is not { } form)
        {
            return null;
        }

        var (clientId, clientSecret) = (Value(form, "client_id"), Value(form, "client_secret"));
        if (authorization.Count == 1)
        {
            // One authentication method per request: a secret in the body next to Basic is refused,
            // a client_id in the body is allowed only if it names the same client.
            if (clientSecret is not null || !TryReadBasic(authorization[0], out var basicId, out var basicSecret) ||
                (clientId is not null && clientId != basicId))
            {
                return null;
            }

            (clientId, clientSecret) = (basicId, basicSecret);
        }

        return new TokenRequest(Value(form, "grant_type"), clientId, clientSecret, Value(form, "scope"));
    }

    // application/x-www-form-urlencoded, UTF-8; RFC 6749 3.2: a parameter sent without a value is
    // treated as omitted, and none may be included more than once.
    private static Dictionary<string, string>? ParseForm(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            if (!form.TryAdd(name, Decode(equals < 0 ? "" : pair[(equals + 1)..])))
            {
                return null;
            }
        }

        return form;
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string? Value(Dictionary<string, string> form, string name) =>
        form.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    // RFC 6749 2.3.1: base64 of client_id ":" client_secret, each form-urlencoded first.
    private static bool TryReadBasic(string? header, out string clientId, out string clientSecret)
    {
        (clientId, clientSecret) = ("", "");
        if (Schemes.AuthorizationHeader.Credentials(header, "Basic") is not { } credentials || credentials.Length > MaxBasicCredentials)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(credentials));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        clientId = Decode(decoded[..colon]);
        clientSecret = Decode(decoded[(colon + 1)..]);
        return clientSecret.Length > 0;
    }
}
