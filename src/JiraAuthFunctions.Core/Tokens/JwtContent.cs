using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tokens;

/// <summary>
/// What a compact JWS says, read in one pass per segment with <see cref="Utf8JsonReader"/>: the
/// header members that decide how it is verified and the claims that are checked. Reading is all
/// this does (each segment strict base64url first); the checks are TokenValidator's.
/// </summary>
/// <remarks>
/// One pass sees every member, so a repeated name, which JSON parsers resolve differently
/// (IdentityModel keeps the last, others the first), is refused rather than silently resolved.
/// It also costs a third of building IdentityModel's <c>JsonWebToken</c> claim set, which
/// materializes every claim of every request (see bench/). Values are held as cheaply as they
/// are used: a well-known <c>alg</c>, and an <c>iss</c> or <c>aud</c> equal to what the
/// integration expects, are that string itself rather than a copy (the same characters, so
/// nothing a check or a log line sees differs); scopes are split only when a list is asked for.
/// </remarks>
internal sealed class JwtContent
{
    public string? Algorithm { get; private set; }
    public string? Kid { get; private set; }

    /// <summary>A <c>jku</c>, <c>x5u</c>, <c>jwk</c> or <c>x5c</c> header: a key location the token asks us to trust.</summary>
    public bool HasKeyLocationHeader { get; private set; }

    /// <summary>A <c>crit</c> header: extensions we would have to understand (we understand none).</summary>
    public bool HasCriticalHeader { get; private set; }

    public string? Issuer { get; private set; }
    public string? Subject { get; private set; }
    public string? Id { get; private set; }

    /// <summary>Every <c>aud</c> value, as a list (made on first use: the validator asks <see cref="HasAudience"/>).</summary>
    public IReadOnlyList<string> Audiences => _audiences ??= _audience is null ? [] : [_audience];

    /// <summary>How many <c>aud</c> values the token names (0 without an <c>aud</c>).</summary>
    public int AudienceCount => _audiences?.Length ?? (_audience is null ? 0 : 1);

    // A string aud (the common case) is held alone; an array aud as the array.
    private string? _audience;
    private string[]? _audiences;
    public DateTime? Expires => Present(_expires);
    public DateTime? NotBefore => Present(_notBefore);
    public DateTime? IssuedAt => Present(_issuedAt);

    // default when absent: a NumericDate is never read as earlier than 1970 (8 bytes each, not a 16-byte DateTime?).
    private DateTime _expires;
    private DateTime _notBefore;
    private DateTime _issuedAt;

    /// <summary>A Forge invocation token's <c>app</c> object (id, installation, environment); null when the token has none.</summary>
    public ForgeAppClaims? ForgeApp { get; private set; }

    /// <summary>A Forge invocation token's <c>principal</c>: the account id of the user the call acts for, when there is one.</summary>
    public string? Principal { get; private set; }
    /// <summary>Atlassian Connect's query string hash claim.</summary>
    public string? Qsh { get; private set; }

    /// <summary>
    /// From <c>scope</c> (space-separated string) or else <c>scp</c> (string or array of strings). Split on
    /// first use and kept: a check asks <see cref="GrantsAll"/>, which reads the string where it stands.
    /// </summary>
    public IReadOnlyList<string> Scopes => _scopes ??= _scopeText is not null ? Split(_scopeText) : _scpText is not null ? Split(_scpText) : _scpArray ?? [];

    private string? _scopeText; // scope, a string: wins over scp
    private string? _scpText;   // scp, a string
    private string[]? _scpArray; // scp, an array of strings
    private string[]? _scopes;

    private const int MaxMembers = 64;
    private const int MaxNameBytes = 256;

    // Seconds from 1970 beyond which a NumericDate no longer fits a DateTime: read as DateTime.MaxValue.
    private static readonly double MaxEpochSeconds = (DateTime.MaxValue - DateTime.UnixEpoch).TotalSeconds;

    private enum Segment
    {
        Header,
        Payload,
    }

    // The algorithms a token names in practice: read as these strings, never copied.
    private static readonly (byte[] Utf8, string Name)[] KnownAlgorithms =
        [.. new[] { "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" }
            .Select(name => (System.Text.Encoding.ASCII.GetBytes(name), name))];

    /// <summary>Reads header and payload; the reason is <see cref="ReasonCode.Accepted"/> when both are well-formed.</summary>
    public static ReasonCode TryRead(string token, out JwtContent content) => TryRead(token, null, out content);

    /// <summary>
    /// As <see cref="TryRead(string, out JwtContent)"/>, for <paramref name="integration"/>: an <c>iss</c> or
    /// <c>aud</c> equal to one it expects is held as its string rather than a copy. What is read and refused is the same.
    /// </summary>
    public static ReasonCode TryRead(string token, Integration? integration, out JwtContent content)
    {
        content = new JwtContent();
        var first = token.IndexOf('.');
        var last = token.LastIndexOf('.');
        if (first <= 0 || first == last)
        {
            return ReasonCode.MalformedToken;
        }

        if (token.AsSpan(first + 1, last - first - 1).Contains('.'))
        {
            // Five segments is JWE; anything else is not a JWT at all.
            return token.AsSpan().Count('.') == 4 ? ReasonCode.EncryptedToken : ReasonCode.MalformedToken;
        }

        // Before any decoding, so no key is ever looked up for a token a lenient decoder would have mended.
        if (!IsStrictBase64Url(token.AsSpan(0, first)) || !IsStrictBase64Url(token.AsSpan(first + 1, last - first - 1)) || !IsStrictBase64Url(token.AsSpan(last + 1)))
        {
            return ReasonCode.MalformedToken;
        }

        var reason = content.ReadSegment(token.AsSpan(0, first), Segment.Header, integration);
        return reason != ReasonCode.Accepted ? reason : content.ReadSegment(token.AsSpan(first + 1, last - first - 1), Segment.Payload, integration);
    }

    /// <summary>
    /// Whether a segment is base64url as RFC 7515 (2, 7.1) writes it: only <c>A-Z a-z 0-9 - _</c>, no
    /// <c>=</c> padding, no whitespace (.NET's decoder accepts both), a length that encodes whole bytes
    /// (never 4n+1), and unused trailing bits zero (RFC 4648 3.5), so one byte string has one spelling
    /// and a signature cannot be re-spelled into a second token string that still verifies. Empty is
    /// allowed (an empty signature is then refused as bad_signature).
    /// </summary>
    internal static bool IsStrictBase64Url(ReadOnlySpan<char> segment)
    {
        if (segment.Length % 4 == 1 || segment.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        return (segment.Length % 4) switch
        {
            2 => (SextetOf(segment[^1]) & 0x0F) == 0, // 12 bits carry 8: the last 4 are unused
            3 => (SextetOf(segment[^1]) & 0x03) == 0, // 18 bits carry 16: the last 2 are unused
            _ => true,
        };
    }

    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };

    [System.Runtime.CompilerServices.SkipLocalsInit] // the buffers are written before they are read
    /// <param name="expected">What the token is read for (its issuers and audience): a value equal to one is held as that string.</param>
    private ReasonCode ReadSegment(ReadOnlySpan<char> base64Url, Segment segment, Integration? expected)
    {
        var maxLength = Base64Url.GetMaxDecodedLength(base64Url.Length);
        byte[]? rented = null;
        var buffer = maxLength <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(maxLength));
        try
        {
            if (Base64Url.DecodeFromChars(base64Url, buffer, out _, out var length) != OperationStatus.Done)
            {
                return ReasonCode.MalformedToken;
            }

            return ReadObject(buffer[..length], segment, expected);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return ReasonCode.MalformedToken;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private ReasonCode ReadObject(ReadOnlySpan<byte> json, Segment segment, Integration? expected)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ReasonCode.MalformedToken;
        }

        // Names are compared where they stand in the JSON. A name with an escape (rare) sends the
        // whole object through JwtMembers, which unescapes every name before comparing.
        Span<int> starts = stackalloc int[MaxMembers];
        Span<int> lengths = stackalloc int[MaxMembers];
        var count = 0;      // every member, for the limit
        var compared = 0;   // unescaped names held in starts/lengths
        var anyEscaped = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            if (count == MaxMembers || name.Length > MaxNameBytes)
            {
                return ReasonCode.MalformedToken; // no honest token has this many members or such a name
            }

            if (reader.ValueIsEscaped)
            {
                anyEscaped = true;
            }
            else
            {
                for (var i = 0; i < compared; i++)
                {
                    if (json.Slice(starts[i], lengths[i]).SequenceEqual(name))
                    {
                        return ReasonCode.DuplicateMember;
                    }
                }

                starts[compared] = (int)reader.TokenStartIndex + 1; // after the opening quote
                lengths[compared] = name.Length;
                compared++;
            }

            count++;
            var member = segment == Segment.Header ? HeaderMember(ref reader) : PayloadMember(ref reader);
            if (!reader.Read() || !ReadValue(ref reader, member, expected))
            {
                return ReasonCode.MalformedToken;
            }
        }

        // The object must end here, with nothing after it.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return ReasonCode.MalformedToken;
        }

        return anyEscaped && JwtMembers.HasDuplicateMember(json) ? ReasonCode.DuplicateMember : ReasonCode.Accepted;
    }

    private enum Member
    {
        Other,
        Alg,
        Kid,
        KeyLocation,
        Crit,
        Iss,
        Sub,
        Jti,
        Aud,
        Exp,
        Nbf,
        Iat,
        Scope,
        Scp,
        App,
        Principal,
        Qsh,
    }

    // A plain name (nearly every name) is classified from its bytes in place: by length, then for the
    // three-letter claims as one packed number. A name with an escape is compared unescaped, one by one.
    private static Member HeaderMember(ref Utf8JsonReader reader) => reader.ValueIsEscaped ? HeaderMemberWithEscapes(ref reader) : reader.ValueSpan switch
    {
        { Length: 3 } name => Packed(name) switch
        {
            Alg => Member.Alg,
            KidName => Member.Kid,
            Jku or X5u or Jwk or X5c => Member.KeyLocation,
            _ => Member.Other,
        },
        { Length: 4 } name when name.SequenceEqual("crit"u8) => Member.Crit,
        _ => Member.Other,
    };

    private static Member PayloadMember(ref Utf8JsonReader reader) => reader.ValueIsEscaped ? PayloadMemberWithEscapes(ref reader) : reader.ValueSpan switch
    {
        { Length: 3 } name => Packed(name) switch
        {
            Iss => Member.Iss,
            Sub => Member.Sub,
            Aud => Member.Aud,
            Exp => Member.Exp,
            Nbf => Member.Nbf,
            Iat => Member.Iat,
            Jti => Member.Jti,
            ScpName => Member.Scp,
            AppName => Member.App,
            QshName => Member.Qsh,
            _ => Member.Other,
        },
        { Length: 5 } name when name.SequenceEqual("scope"u8) => Member.Scope,
        { Length: 9 } name when name.SequenceEqual("principal"u8) => Member.Principal,
        _ => Member.Other,
    };

    private static int Packed(ReadOnlySpan<byte> name) => name[0] | (name[1] << 8) | (name[2] << 16);

    private const int Alg = 'a' | ('l' << 8) | ('g' << 16);
    private const int KidName = 'k' | ('i' << 8) | ('d' << 16);
    private const int Jku = 'j' | ('k' << 8) | ('u' << 16);
    private const int X5u = 'x' | ('5' << 8) | ('u' << 16);
    private const int Jwk = 'j' | ('w' << 8) | ('k' << 16);
    private const int X5c = 'x' | ('5' << 8) | ('c' << 16);
    private const int Iss = 'i' | ('s' << 8) | ('s' << 16);
    private const int Sub = 's' | ('u' << 8) | ('b' << 16);
    private const int Aud = 'a' | ('u' << 8) | ('d' << 16);
    private const int Exp = 'e' | ('x' << 8) | ('p' << 16);
    private const int Nbf = 'n' | ('b' << 8) | ('f' << 16);
    private const int Iat = 'i' | ('a' << 8) | ('t' << 16);
    private const int Jti = 'j' | ('t' << 8) | ('i' << 16);
    private const int ScpName = 's' | ('c' << 8) | ('p' << 16);
    private const int AppName = 'a' | ('p' << 8) | ('p' << 16);
    private const int QshName = 'q' | ('s' << 8) | ('h' << 16);

    private static Member HeaderMemberWithEscapes(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("alg"u8) ? Member.Alg
        : reader.ValueTextEquals("kid"u8) ? Member.Kid
        : reader.ValueTextEquals("crit"u8) ? Member.Crit
        : reader.ValueTextEquals("jku"u8) || reader.ValueTextEquals("x5u"u8) || reader.ValueTextEquals("jwk"u8) || reader.ValueTextEquals("x5c"u8) ? Member.KeyLocation
        : Member.Other;

    private static Member PayloadMemberWithEscapes(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("iss"u8) ? Member.Iss
        : reader.ValueTextEquals("sub"u8) ? Member.Sub
        : reader.ValueTextEquals("aud"u8) ? Member.Aud
        : reader.ValueTextEquals("exp"u8) ? Member.Exp
        : reader.ValueTextEquals("nbf"u8) ? Member.Nbf
        : reader.ValueTextEquals("iat"u8) ? Member.Iat
        : reader.ValueTextEquals("jti"u8) ? Member.Jti
        : reader.ValueTextEquals("scope"u8) ? Member.Scope
        : reader.ValueTextEquals("scp"u8) ? Member.Scp
        : reader.ValueTextEquals("app"u8) ? Member.App
        : reader.ValueTextEquals("principal"u8) ? Member.Principal
        : reader.ValueTextEquals("qsh"u8) ? Member.Qsh
        : Member.Other;

    /// <summary>Reads the value the reader is on; false when a known member has a type RFC 7519/7515 does not allow.</summary>
    private bool ReadValue(ref Utf8JsonReader reader, Member member, Integration? expected)
    {
        var type = reader.TokenType;
        switch (member)
        {
            case Member.Alg when type == JsonTokenType.String:
                Algorithm = KnownAlgorithm(ref reader) ?? reader.GetString();
                return true;
            case Member.Kid when type == JsonTokenType.String:
                Kid = reader.GetString();
                return true;
            case Member.Iss when type == JsonTokenType.String:
                Issuer = ExpectedIssuer(ref reader, expected) ?? reader.GetString();
                return true;
            case Member.Sub when type == JsonTokenType.String:
                Subject = reader.GetString();
                return true;
            case Member.Sub:
                reader.Skip(); // only for the log line: a subject that is not a string is not recorded
                return true;
            case Member.Jti when type == JsonTokenType.String:
                Id = reader.GetString();
                return true;
            case Member.Aud when type == JsonTokenType.String:
                _audience = ExpectedAudience(ref reader, expected) ?? reader.GetString();
                return true;
            case Member.Aud when type == JsonTokenType.StartArray:
                if (!ReadStrings(ref reader, out var audiences))
                {
                    return false;
                }

                _audiences = audiences;
                return true;
            case Member.Exp when type == JsonTokenType.Number:
                _expires = NumericDate(reader.GetDouble());
                return true;
            case Member.Nbf when type == JsonTokenType.Number:
                _notBefore = NumericDate(reader.GetDouble());
                return true;
            case Member.Iat when type == JsonTokenType.Number:
                _issuedAt = NumericDate(reader.GetDouble());
                return true;
            case Member.Scope when type == JsonTokenType.String:
                _scopeText = reader.GetString();
                return true;
            case Member.Scp when type == JsonTokenType.String:
                _scpText = reader.GetString();
                return true;
            case Member.Scp when type == JsonTokenType.StartArray:
                if (!ReadStrings(ref reader, out var scp))
                {
                    return false;
                }

                _scpArray = scp;
                return true;
            case Member.App when type == JsonTokenType.StartObject:
                // Read only when present (Forge tokens): other tokens pay two name comparisons, no more.
                if (ForgeAppClaims.Read(ref reader) is not { } app)
                {
                    return false;
                }

                ForgeApp = app;
                return true;
            case Member.Principal when type == JsonTokenType.String:
                Principal = reader.GetString();
                return true;
            case Member.Qsh when type == JsonTokenType.String:
                Qsh = reader.GetString();
                return true;
            case Member.KeyLocation:
                HasKeyLocationHeader = true;
                reader.Skip();
                return true;
            case Member.Crit:
                HasCriticalHeader = true;
                reader.Skip();
                return true;
            case Member.Other or Member.Scope or Member.Scp or Member.App or Member.Principal or Member.Qsh:
                // Not ours to read (a scope of another type grants nothing): step over it, nested or not.
                reader.Skip();
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether <paramref name="audience"/> is one of the token's <c>aud</c> values (ordinal, exact).</summary>
    public bool HasAudience(string audience)
    {
        if (_audiences is null)
        {
            return string.Equals(_audience, audience, StringComparison.Ordinal);
        }

        foreach (var candidate in _audiences)
        {
            if (string.Equals(candidate, audience, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether every one of <paramref name="required"/> is among <see cref="Scopes"/> (ordinal, exact), without splitting a scope string.</summary>
    public bool GrantsAll(string[] required)
    {
        foreach (var scope in required)
        {
            if (!Grants(scope))
            {
                return false;
            }
        }

        return true;
    }

    private bool Grants(string scope)
    {
        var text = _scopeText ?? _scpText;
        if (text is null)
        {
            return _scpArray is not null && Array.IndexOf(_scpArray, scope) >= 0;
        }

        // As Split(' ', RemoveEmptyEntries) would list them: an empty scope is never among them.
        foreach (var range in text.AsSpan().Split(' '))
        {
            var granted = text.AsSpan(range);
            if (!granted.IsEmpty && granted.SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }

    private static string[] Split(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string? KnownAlgorithm(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return null;
        }

        var value = reader.ValueSpan;
        foreach (var (utf8, name) in KnownAlgorithms)
        {
            if (value.SequenceEqual(utf8))
            {
                return name;
            }
        }

        return null;
    }

    // Compared where it stands (ValueTextEquals unescapes as it compares): a few issuers at most are configured.
    private static string? ExpectedIssuer(ref Utf8JsonReader reader, Integration? expected)
    {
        if (expected is null || expected.Issuers.Count > 4)
        {
            return null;
        }

        foreach (var issuer in expected.Issuers.Items)
        {
            if (reader.ValueTextEquals(issuer))
            {
                return issuer;
            }
        }

        return null;
    }

    private static string? ExpectedAudience(ref Utf8JsonReader reader, Integration? expected) =>
        expected?.Audience is { } audience && reader.ValueTextEquals(audience) ? audience : null;

    private static bool ReadStrings(ref Utf8JsonReader reader, out string[] values)
    {
        var list = new List<string>();
        values = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            list.Add(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        values = [.. list];
        return true;
    }

    private static DateTime? Present(DateTime value) => value == default ? null : value;

    // As IdentityModel reads a NumericDate: whole seconds, clamped to what DateTime can hold.
    private static DateTime NumericDate(double seconds) =>
        double.IsNaN(seconds) || seconds <= 0 ? DateTime.UnixEpoch
        : seconds >= MaxEpochSeconds ? DateTime.MaxValue
        : DateTime.UnixEpoch.AddSeconds(Math.Truncate(seconds));
}
