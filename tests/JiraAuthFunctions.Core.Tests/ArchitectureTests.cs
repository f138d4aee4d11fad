using System.Text.RegularExpressions;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.Core.Tests;

/// <summary>
/// The shape of Core a newcomer reads as the architecture: one folder per capability, the folder is the
/// namespace, and no ASP.NET Core or Azure type.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string CoreRoot = Path.Combine(Repository.Root, "src", "JiraAuthFunctions.Core");

    [Fact]
    public void Core_references_no_AspNetCore_or_Azure_assembly()
    {
        var references = typeof(EventIds).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("Azure", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_Core_file_declares_the_namespace_of_its_folder()
    {
        var wrong = SourceFiles()
            .Where(file => Namespace(file.Text) != ExpectedNamespace(file.Path))
            .Select(file => $"{Path.GetRelativePath(CoreRoot, file.Path)}: {Namespace(file.Text)}")
            .ToList();

        Assert.Empty(wrong);
    }

    private static IEnumerable<(string Path, string Text)> SourceFiles() =>
        Directory.EnumerateFiles(CoreRoot, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Select(path => (path, File.ReadAllText(path)));

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(CoreRoot, path).Replace('\\', '/');
        return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal);
    }

    private static string ExpectedNamespace(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetRelativePath(CoreRoot, path))!;
        return folder.Length == 0 ? "JiraAuthFunctions" : "JiraAuthFunctions." + folder.Replace(Path.DirectorySeparatorChar, '.');
    }

    private static string Namespace(string text) => NamespaceLine().Match(text).Groups["ns"].Value;

    [GeneratedRegex(@"^namespace (?<ns>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
}
