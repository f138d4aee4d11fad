using YamlDotNet.RepresentationModel;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// The GitHub Actions workflow and azure.yaml, parsed by a real YAML parser: structure, OIDC sign-in,
/// and the workflow's Azure commands being the ones the README gives.
/// </summary>
public sealed class PipelineTests
{
    private static readonly string WorkflowPath = Path.Combine(BicepTemplateTests.Root, ".github", "workflows", "deploy.yml");

    [Fact]
    public void The_workflow_builds_tests_previews_deploys_and_smoke_tests_in_that_order()
    {
        var jobs = (YamlMappingNode)Workflow()["jobs"];

        Assert.Equal(["build", "what-if", "deploy"], jobs.Children.Keys.Select(k => k.ToString()));
        Assert.Equal("build", Scalar(Job("what-if"), "needs"));
        Assert.Equal("what-if", Scalar(Job("deploy"), "needs"));
        Assert.Equal("production", Scalar(Job("deploy"), "environment"));
        Assert.Contains(Runs("build"), r => r.Contains("./test.sh", StringComparison.Ordinal));
        Assert.Contains(Runs("what-if"), r => r.Contains("az deployment group what-if", StringComparison.Ordinal));
        var deploy = Runs("deploy");
        Assert.Collection(
            deploy,
            r => Assert.Contains("az deployment group create", r, StringComparison.Ordinal),
            r => Assert.Contains("az functionapp deployment source config-zip", r, StringComparison.Ordinal),
            r => Assert.Contains("/api/health", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Jobs_that_sign_in_to_azure_use_openid_connect_with_an_id_token_and_no_secret()
    {
        var workflow = Workflow();
        Assert.Equal("read", Scalar((YamlMappingNode)workflow["permissions"], "contents"));

        foreach (var name in new[] { "what-if", "deploy" })
        {
            var job = Job(name);
            Assert.Equal("write", Scalar((YamlMappingNode)job["permissions"], "id-token"));
            var login = Steps(job).Single(s => s.Children.TryGetValue("uses", out var uses) && uses.ToString().StartsWith("azure/login@", StringComparison.Ordinal));
            var with = (YamlMappingNode)login["with"];
            Assert.Equal(["client-id", "subscription-id", "tenant-id"], with.Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal));
            Assert.DoesNotContain("secrets.", with.Children.Values.Select(v => v.ToString()).Aggregate(string.Concat), StringComparison.Ordinal);
        }

        Assert.False(Job("build").Children.ContainsKey("permissions"), "the build job needs no token");
    }

    [Fact]
    public void Every_azure_and_smoke_test_command_of_the_workflow_is_one_the_readme_gives()
    {
        var readme = File.ReadAllLines(Path.Combine(BicepTemplateTests.Root, "README.md"));
        var commands = ((YamlMappingNode)Workflow()["jobs"]).Children.Keys.SelectMany(j => Runs(j.ToString()))
            .SelectMany(r => r.Split('\n'))
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("az ", StringComparison.Ordinal) || l.StartsWith("curl ", StringComparison.Ordinal) || l.StartsWith("jq -e", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(5, commands.Count);
        foreach (var command in commands)
        {
            // The README has the resource group and names as values; the workflow has variables. Every other word matches.
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.Contains('$', StringComparison.Ordinal)).ToList();
            Assert.True(readme.Any(line => ContainsInOrder(line, words)), $"README has no line with: {string.Join(' ', words)}");
        }
    }

    [Fact]
    public void Azd_provisions_infra_and_deploys_the_app_project_as_a_function_app()
    {
        var azure = Load(Path.Combine(BicepTemplateTests.Root, "azure.yaml"));
        var infra = (YamlMappingNode)azure["infra"];
        var api = (YamlMappingNode)((YamlMappingNode)azure["services"])["api"];

        Assert.Equal(("bicep", "infra", "main"), (Scalar(infra, "provider"), Scalar(infra, "path"), Scalar(infra, "module")));
        Assert.True(File.Exists(Path.Combine(BicepTemplateTests.Root, "infra", "main.bicep")));
        Assert.Equal(("function", "dotnet", "src/JiraAuthFunctions"), (Scalar(api, "host"), Scalar(api, "language"), Scalar(api, "project")));
        Assert.True(File.Exists(Path.Combine(BicepTemplateTests.Root, "src", "JiraAuthFunctions", "JiraAuthFunctions.csproj")));
        // azd finds the app by this tag on the site.
        Assert.Equal("api", Variants.TwoIntegrations.Single("Microsoft.Web/sites")["tags"]!["azd-service-name"]!.GetValue<string>());
    }

    private static bool ContainsInOrder(string line, IReadOnlyList<string> words)
    {
        var at = 0;
        foreach (var word in words)
        {
            var found = line.IndexOf(word, at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + word.Length;
        }

        return true;
    }

    private static YamlMappingNode Workflow() => Load(WorkflowPath);

    private static YamlMappingNode Job(string name) => (YamlMappingNode)((YamlMappingNode)Workflow()["jobs"])[name];

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) => ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>();

    private static List<string> Runs(string job) => Steps(Job(job)).Where(s => s.Children.ContainsKey("run")).Select(s => s["run"].ToString()).ToList();

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }
}
