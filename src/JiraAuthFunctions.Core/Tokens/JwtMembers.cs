using System.Buffers;
using System.Text.Json;

namespace JiraAuthFunctions.Tokens;

/// <summary>
/// Finds repeated member names in a JWT header or payload where a name is escaped: the one-pass
/// reader (<see cref="JwtContent"/>) compares plain names in place and hands an object with an
/// escaped name here, where every name is unescaped first, so <c>"\u0065xp"</c> and <c>"exp"</c> collide.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // scratch buffers are written before they are read; zeroing them costs more than the scan
internal static class JwtMembers
{
    private const int MaxMembers = 64;
    private const int MaxNameBytes = 256;

    /// <summary>Whether the JSON object has a top-level member name twice, after unescaping; false also for what is not a JSON object.</summary>
    internal static bool HasDuplicateMember(ReadOnlySpan<byte> json)
    {
        // Every name unescaped into one scratch buffer; with at most a few dozen members,
        // comparing each new name with the earlier ones beats building a hash set.
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
