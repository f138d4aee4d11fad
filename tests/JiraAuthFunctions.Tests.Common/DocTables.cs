using System.Text.RegularExpressions;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Reads the reference tables of the repository's Markdown docs (docs/runbook.md, docs/*.md), for
/// tests that keep them honest against the code: every code has a row, and no row names one that
/// does not exist.
/// </summary>
public static partial class DocTables
{
    /// <summary>The text of a file under the repository root, e.g. <c>Read("docs", "runbook.md")</c>.</summary>
    public static string Read(params string[] path) => File.ReadAllText(Path.Combine([Repository.Root, .. path]));

    /// <summary>
    /// The body rows of every table in the section <c>## {heading}</c> (up to the next heading of that
    /// level or higher), each as its trimmed cells; header and separator rows are left out. Escaped
    /// pipes (<c>\|</c>) stay inside their cell. Fails when the section is missing.
    /// </summary>
    public static IReadOnlyList<string[]> Rows(string markdown, string heading)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.IndexOf("## " + heading);
        if (start < 0)
        {
            throw new InvalidOperationException($"No section '## {heading}'.");
        }

        var rows = new List<string[]>();
        var inTable = false;
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("# ", StringComparison.Ordinal) && !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            if (!inTable)
            {
                inTable = true; // the header row
                continue;
            }

            if (line.StartsWith("|---", StringComparison.Ordinal) || line.StartsWith("| ---", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = CellSeparator().Split(line.Trim().Trim('|'));
            rows.Add([.. cells.Select(c => c.Trim())]);
        }

        return rows;
    }

    /// <summary>The one <c>`code`</c> a cell holds, or null when it holds anything else (several codes, prose).</summary>
    public static string? SingleCode(string cell)
    {
        var match = CodeCell().Match(cell);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSeparator();

    [GeneratedRegex(@"^`([^`]+)`$")]
    private static partial Regex CodeCell();
}
