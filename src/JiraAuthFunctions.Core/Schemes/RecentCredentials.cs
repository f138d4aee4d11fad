using System.Numerics;
using System.Runtime.InteropServices;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The credentials strings of recent requests, so a sender that presents the same token again (a
/// Jira automation rule's long-lived token, on every event) gets the string made for it the first
/// time instead of a new copy out of its header (~700 bytes for a typical JWT). Strings are
/// immutable: an equal one is the same value. A request with a token of its own costs a look at
/// one slot and one slot write, nothing more.
/// </summary>
/// <remarks>
/// Direct-mapped: a slot holds the last token that landed on it; a hit needs the whole text to be
/// equal, compared in constant time (a token presented next to another one in its slot learns
/// nothing of it), so a collision or a crafted token costs only the copy the cache would have
/// saved. The cache holds at most <see cref="Slots"/> tokens, which the process had in memory anyway.
/// </remarks>
internal sealed class RecentCredentials
{
    private const int SlotBits = 6;
    private const int Slots = 1 << SlotBits;

    private readonly string?[] _strings = new string?[Slots];

    /// <summary>The process's one cache (<see cref="AuthorizationHeader.Credentials"/>'s).</summary>
    public static RecentCredentials Shared { get; } = new();

    /// <summary>A string equal to <paramref name="credentials"/>: a recent one, or a new one remembered for next time.</summary>
    public string Get(ReadOnlySpan<char> credentials)
    {
        ref var slot = ref _strings[SlotOf(credentials)];
        if (Volatile.Read(ref slot) is { } recent && FixedTimeEquals(recent, credentials))
        {
            return recent;
        }

        var made = credentials.ToString();
        Volatile.Write(ref slot, made);
        return made;
    }

    // The length and the last four characters (a JWT's signature, or a secret's own tail): tokens
    // differ there. Only where to look, never whether it matches.
    private static int SlotOf(ReadOnlySpan<char> credentials)
    {
        var tail = credentials.Length >= 4 ? MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(credentials[^4..])) : 0;
        return (int)(((tail ^ (ulong)credentials.Length) * 0x9E3779B97F4A7C15UL) >> (64 - SlotBits));
    }

    /// <summary>Equal text, in a time that depends on the length alone (CryptographicOperations.FixedTimeEquals, vectorized).</summary>
    internal static bool FixedTimeEquals(string recent, ReadOnlySpan<char> credentials)
    {
        if (recent.Length != credentials.Length)
        {
            return false;
        }

        var left = MemoryMarshal.AsBytes(recent.AsSpan());
        var right = MemoryMarshal.AsBytes(credentials);
        var difference = Vector<byte>.Zero;
        var i = 0;
        for (; i <= left.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            difference |= new Vector<byte>(left[i..]) ^ new Vector<byte>(right[i..]);
        }

        var rest = 0;
        for (; i < left.Length; i++)
        {
            rest |= left[i] ^ right[i];
        }

        return difference == Vector<byte>.Zero && rest == 0;
    }
}
