using System.Reflection;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Jira;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

/// <summary>On-call's runbook covers every reason code and event id the code can log.</summary>
public sealed class RunbookTests
{
    private static readonly string Runbook = File.ReadAllText(Path.Combine(Root(), "docs", "runbook.md"));

    public static TheoryData<string> ReasonCodes()
    {
        var data = new TheoryData<string>();
        foreach (var reason in Enum.GetValues<ReasonCode>())
        {
            data.Add(reason.ToCode());
        }

        data.Add(SharedSecretExpiryMonitor.Reason);
        data.Add(JiraTokenRenewer.ReauthorizationRequired);
        return data;
    }

    public static TheoryData<int, string> EventIdsInCode()
    {
        var data = new TheoryData<int, string>();
        foreach (var field in typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            data.Add((int)field.GetValue(null)!, field.Name);
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
    [MemberData(nameof(EventIdsInCode))]
    public void Every_event_id_has_a_row_with_its_name(int id, string name)
    {
        Assert.Contains($"| {id} | {name} |", Runbook, StringComparison.Ordinal);
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JiraAuthFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
