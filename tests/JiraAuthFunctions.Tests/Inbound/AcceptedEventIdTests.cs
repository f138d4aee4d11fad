using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Tests.Inbound;

public sealed class AcceptedEventIdTests
{
    [Fact]
    public void An_id_is_a_uuid_version_7_of_the_given_millisecond_in_32_hex_digits()
    {
        var now = new DateTimeOffset(2026, 12, 2, 8, 30, 15, 123, TimeSpan.Zero);

        var id = AcceptedEventId.New(now);

        Assert.Matches("^[0-9a-f]{32}$", id);
        var uuid = Guid.ParseExact(id, "N");
        Assert.Equal(7, uuid.Version);
        Assert.Contains(id[16], "89ab"); // variant 10 (RFC 9562)
        Assert.Equal(now.ToUnixTimeMilliseconds(), Convert.ToInt64(id[..12], 16));
    }

    [Fact]
    public void Ids_made_in_the_same_millisecond_differ_and_later_ones_sort_after()
    {
        var now = new DateTimeOffset(2026, 12, 2, 8, 30, 15, TimeSpan.Zero);

        var same = Enumerable.Range(0, 10_000).Select(_ => AcceptedEventId.New(now)).ToHashSet();
        var later = AcceptedEventId.New(now.AddMilliseconds(1));

        Assert.Equal(10_000, same.Count);
        Assert.All(same, id => Assert.True(string.CompareOrdinal(id, later) < 0));
    }
}
