namespace JiraAuthFunctions.Tests.Common;

/// <summary>The repository checkout the tests run from, for tests that read its files (queries, infra).</summary>
public static class Repository
{
    /// <summary>The folder holding JiraAuthFunctions.sln, found by walking up from the test binaries.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JiraAuthFunctions.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
        }
    }
}
