namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The id of an accepted event: a UUID version 7 (RFC 9562: 48 bits of Unix milliseconds, then 74
/// random bits), as 32 hex digits. Ids sort by the time they were made and do not collide.
/// </summary>
/// <remarks>
/// Not <see cref="Guid.CreateVersion7(DateTimeOffset)"/>: its random bits come from the operating
/// system's secure generator, a system call per event on Linux (glibc's arc4random is getrandom).
/// An event id needs uniqueness, not secrecy (it is handed to the sender and written in the log), so
/// the random bits come from <see cref="Random.Shared"/> (per thread, seeded from the OS).
/// </remarks>
internal static class AcceptedEventId
{
    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        var milliseconds = now.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)milliseconds;
            milliseconds >>= 8;
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10 (RFC 9562)
        return new Guid(bytes, bigEndian: true).ToString("N");
    }
}
