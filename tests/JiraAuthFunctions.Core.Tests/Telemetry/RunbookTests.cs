using System.Reflection;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

/// <summary>
/// The reference tables stay honest both ways: on-call's runbook and the docs' reason table cover
/// every reason code and event id the code can log, and no row names one the code does not have.
/// (Which status each code gets is checked against the host's mapping in the host's tests.)
/// </summary>
public sealed partial class RunbookTests
{
    private static readonly string Runbook = DocTables.Read("docs", "runbook.md");
    private static readonly string Checks = DocTables.Read("docs", "checks-and-responses.md");
    private static readonly string Operations = DocTables.Read("docs", "operations.md");

    /// <summary>
    /// Event ids that may go without a runbook row: purely informational lines on-call never acts on.
    /// Add an id here only with a comment saying why nobody needs to look it up; today every id has a row.
    /// </summary>
    private static readonly HashSet<int> InformationalIdsWithoutRow = [];

    /// <summary>Reasons logged that are not <see cref="ReasonCode"/> members (the credentials job's warnings).</summary>
    private static readonly string[] ReasonsOutsideTheEnum = [SharedSecretExpiryMonitor.Reason, JiraTokenRenewer.ReauthorizationRequired, JiraConnectionStates.CredentialRefused, JiraConnectionStates.CredentialExpiring];

    private static IEnumerable<string> EnumCodes => Enum.GetValues<ReasonCode>().Select(r => r.ToCode());

    public static TheoryData<string> ReasonCodes() => [.. EnumCodes.Concat(ReasonsOutsideTheEnum)];

    public static TheoryData<string> EnumReasonCodes() => [.. EnumCodes];

    public static TheoryData<int, string> EventIdsInCode()
    {
        var data = new TheoryData<int, string>();
        foreach (var (id, name) in EventIdConstants())
        {
            data.Add(id, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReasonCodes))]
    public void Every_reason_code_has_a_row(string reason)
    {
        Assert.Contains($"| `{reason}` |", Runbook, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EnumReasonCodes))]
    public void Every_reason_code_has_one_row_in_the_docs_reason_table(string reason)
    {
        Assert.Single(ReasonRows(Checks), row => row == reason);
    }

    [Fact]
    public void The_runbook_reason_table_names_only_codes_that_exist_once_each()
    {
        var known = EnumCodes.Concat(ReasonsOutsideTheEnum).ToHashSet(StringComparer.Ordinal);
        var rows = ReasonRows(Runbook);

        Assert.Equal([], rows.Where(code => !known.Contains(code)).ToArray());
        Assert.Empty(rows.GroupBy(code => code).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Fact]
    public void The_docs_reason_table_names_only_codes_that_exist()
    {
        var known = EnumCodes.ToHashSet(StringComparer.Ordinal);

        Assert.Equal([], ReasonRows(Checks).Where(code => !known.Contains(code)).ToArray());
    }

    [Theory]
    [MemberData(nameof(EventIdsInCode))]
    public void Every_event_id_has_a_row_with_its_name(int id, string name)
    {
        if (InformationalIdsWithoutRow.Contains(id))
        {
            return;
        }

        Assert.Contains($"| {id} | {name} |", Runbook, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runbook_event_id_table_names_only_ids_that_exist_once_each()
    {
        var inCode = EventIdConstants().ToHashSet();
        var rows = DocTables.Rows(Runbook, "Event ids").Select(r => (Id: int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture), Name: r[1])).ToList();

        Assert.NotEmpty(rows);
        Assert.Equal([], rows.Where(row => !inCode.Contains(row)).ToArray());
        Assert.Empty(rows.GroupBy(row => row.Id).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Fact]
    public void The_allow_list_names_only_ids_that_exist_and_have_no_row()
    {
        var inCode = EventIdConstants().ToDictionary(c => c.Id, c => c.Name);
        foreach (var id in InformationalIdsWithoutRow)
        {
            Assert.True(inCode.ContainsKey(id), $"{id} is allowed without a row but is no event id");
            Assert.DoesNotContain($"| {id} | {inCode[id]} |", Runbook, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EventIdsInCode))]
    public void Every_event_id_lies_in_a_range_the_operations_guide_documents(int id, string name)
    {
        var ranges = DocTables.Rows(Operations, "Event ids")
            .Select(r => RangeCell().Match(r[0]))
            .Where(m => m.Success)
            .Select(m => (From: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), To: int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

        Assert.NotEmpty(ranges);
        Assert.True(ranges.Any(r => r.From <= id && id <= r.To), $"{name} ({id}) is in no range of docs/operations.md's event id table");
    }

    private static IEnumerable<(int Id, string Name)> EventIdConstants() =>
        typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => ((int)f.GetValue(null)!, f.Name));

    /// <summary>The code each row of a "Reason codes" table names; a row naming several codes (or none) fails: one code per row.</summary>
    private static List<string> ReasonRows(string markdown)
    {
        var rows = DocTables.Rows(markdown, "Reason codes");
        Assert.NotEmpty(rows);
        return [.. rows.Select(r => DocTables.SingleCode(r[0]) ?? throw new Xunit.Sdk.XunitException($"A reason row must name exactly one `code`: '{r[0]}'"))];
    }

    [GeneratedRegex(@"^(\d+)-(\d+)$")]
    private static partial Regex RangeCell();
}
