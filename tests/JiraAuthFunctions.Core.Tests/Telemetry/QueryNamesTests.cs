using System.Reflection;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

/// <summary>
/// The KQL queries and alert rules use the names the app really emits: every <c>log.State.X</c>
/// is a placeholder of some LoggerMessage template, and every event id compared is one the code
/// defines. A renamed field breaks this test, not the 3 a.m. search.
/// </summary>
public sealed partial class QueryNamesTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> QueryFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "infra", "queries"), "*.kql").Append(Path.Combine(Root, "infra", "modules", "alerts.bicep")))
        {
            data.Add(Path.GetRelativePath(Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QueryFiles))]
    public void Every_field_and_event_id_a_query_uses_is_emitted_by_the_app(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var placeholders = LogPlaceholders();
        var eventIds = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).ToHashSet();

        var fields = StateField().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        var ids = EventIdNumber().Matches(text).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).Distinct().ToList();

        Assert.NotEmpty(ids);
        Assert.All(fields, f => Assert.Contains(f, placeholders));
        Assert.All(ids, id => Assert.Contains(id, eventIds));
    }

    /// <summary>Every {Placeholder} of every [LoggerMessage] template in src.</summary>
    private static HashSet<string> LogPlaceholders()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in Directory.GetFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match attribute in LoggerMessage().Matches(File.ReadAllText(source)))
            {
                foreach (Match placeholder in Placeholder().Matches(attribute.Value))
                {
                    names.Add(placeholder.Groups[1].Value);
                }
            }
        }

        return names;
    }

    [GeneratedRegex(@"log\.State\.([A-Za-z]+)")]
    private static partial Regex StateField();

    [GeneratedRegex(@"EventId\)?\s*(?:==|in)\s*\(?\s*([0-9][0-9 ,]*)")]
    private static partial Regex EventIdNumber();

    [GeneratedRegex(@"\[LoggerMessage\((?:[^""\]]|""(?:[^""\\]|\\.)*""|""""""[\s\S]*?"""""")*\)\]")]
    private static partial Regex LoggerMessage();

    [GeneratedRegex(@"\{([A-Za-z]+)(?::[^}]*)?\}")]
    private static partial Regex Placeholder();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JiraAuthFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
