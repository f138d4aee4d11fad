using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Finds repeated member names in a JWT header or payload. JSON parsers differ on duplicates
/// (IdentityModel keeps the last, others the first), so a token with two <c>exp</c> or two
/// <c>alg</c> could mean different things to different readers: such a token is refused.
/// Escaped names are compared after unescaping, so <c>"\u0065xp"</c> and <c>"exp"</c> collide.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // scratch buffers are written before they are read; zeroing them costs more than the scan
internal static class JwtMembers
{
    private const int MaxMembers = 64;
    private const int MaxNameBytes = 256;

    /// <summary>Whether the base64url JSON object has a top-level member name twice; false also for what is not a JSON object (the parser reports that).</summary>
    public static bool HasDuplicate(ReadOnlySpan<char> base64Url)
    {
        var maxLength = Base64Url.GetMaxDecodedLength(base64Url.Length);
        byte[]? rented = null;
        var buffer = maxLength <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(maxLength));
        try
        {
            if (Base64Url.DecodeFromChars(base64Url, buffer, out _, out var length) != OperationStatus.Done)
            {
                return false;
            }

            return HasDuplicateMember(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal static bool HasDuplicateMember(ReadOnlySpan<byte> json)
    {
        // Names are compared where they stand in the JSON; with at most a few dozen members,
        // comparing each new name with the earlier ones beats building a hash set. A name with an
        // escape (rare) sends the whole object to the slower path that unescapes every name.
        Span<int> starts = stackalloc int[MaxMembers];
        Span<int> lengths = stackalloc int[MaxMembers];
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
            var count = 0;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueIsEscaped)
                {
                    return HasDuplicateUnescapedMember(json);
                }

                var name = reader.ValueSpan;
                if (count == MaxMembers || name.Length > MaxNameBytes)
                {
                    return true; // Treated as malformed: no honest token has this many members or such a name.
                }

                for (var i = 0; i < count; i++)
                {
                    if (json.Slice(starts[i], lengths[i]).SequenceEqual(name))
                    {
                        return true;
                    }
                }

                starts[count] = (int)reader.TokenStartIndex + 1; // after the opening quote
                lengths[count] = name.Length;
                count++;
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool HasDuplicateUnescapedMember(ReadOnlySpan<byte> json)
    {
        // Every name unescaped into one scratch buffer, so "\u0065xp" and "exp" collide.
        Span<int> starts = stackalloc int[MaxMembers];
        Span<int> lengths = stackalloc int[MaxMembers];
        var scratch = ArrayPool<byte>.Shared.Rent(MaxMembers * MaxNameBytes);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
            var count = 0;
            var used = 0;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (count == MaxMembers || reader.ValueSpan.Length > MaxNameBytes)
                {
                    return true;
                }

                var length = reader.CopyString(scratch.AsSpan(used, MaxNameBytes));
                var name = scratch.AsSpan(used, length);
                for (var i = 0; i < count; i++)
                {
                    if (scratch.AsSpan(starts[i], lengths[i]).SequenceEqual(name))
                    {
                        return true;
                    }
                }

                starts[count] = used;
                lengths[count] = length;
                used += length;
                count++;
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
