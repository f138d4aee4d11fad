using System.Reflection;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

public class ReasonCodesTests
{
    [Fact]
    public void EveryReasonHasAUniqueSnakeCaseString()
    {
        var codes = Enum.GetValues<ReasonCode>().Select(r => r.ToCode()).ToList();

        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches("^[a-z]+(_[a-z]+)*$", code));
    }

    [Fact]
    public void EventIdsAreUniqueAndInTheirAreaRange()
    {
        var ids = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, Id: (int)f.GetRawConstantValue()!))
            .ToList();

        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Select(i => i.Id).Distinct().Count());
        Assert.All(ids, i => Assert.InRange(i.Id, 100, 699));
    }
}
