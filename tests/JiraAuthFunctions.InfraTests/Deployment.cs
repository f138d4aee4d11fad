using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// A deployment of infra/main.bicep evaluated by the Bicep compiler (<c>bicep snapshot</c>): every resource
/// with its concrete name and properties, as ARM would deploy it into subscription
/// <see cref="SubscriptionId"/>, resource group <see cref="ResourceGroup"/>. Values that need a deployed
/// resource (a principal id, an endpoint) stay ARM expressions. Each parameters text is evaluated once, in a
/// copy of infra/ (the snapshot is written beside the parameters file).
/// </summary>
internal sealed class Deployment
{
    public const string SubscriptionId = "00000000-0000-0000-0000-000000000001";
    public const string ResourceGroup = "rg-test";

    private static readonly ConcurrentDictionary<string, Lazy<Deployment>> Evaluated = new(StringComparer.Ordinal);
    private static readonly Lazy<string> InfraCopy = new(CopyInfra);

    private Deployment(JsonNode snapshot) => Snapshot = snapshot;

    public JsonNode Snapshot { get; }

    public IEnumerable<JsonNode> Resources => Snapshot["predictedResources"]!.AsArray().Select(r => r!);

    public IEnumerable<JsonNode> OfType(string type) => Resources.Where(r => r["type"]!.GetValue<string>() == type);

    public JsonNode Single(string type) => Assert.Single(OfType(type));

    public string Output(string name) => Snapshot["outputs"]![name]!.ToJsonString().Trim('"');

    /// <summary>The Function App's settings, name to evaluated value.</summary>
    public Dictionary<string, string> AppSettings =>
        Single("Microsoft.Web/sites")["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!["value"]!.GetValue<string>());

    /// <summary>infra/main.bicep with these parameters (bicepparam lines after <c>using</c>).</summary>
    public static Deployment Of(string parameters) =>
        Evaluated.GetOrAdd(parameters, p => new Lazy<Deployment>(() => Evaluate($"using '../main.bicep'\n\n{p}\n"))).Value;

    /// <summary>A parameters file of infra/ (e.g. <c>examples/two-integrations.bicepparam</c>) as it is.</summary>
    public static Deployment OfFile(string relativePath) =>
        Evaluated.GetOrAdd("file:" + relativePath, _ => new Lazy<Deployment>(() =>
        {
            var text = File.ReadAllText(Path.Combine(BicepTemplateTests.Root, "infra", relativePath));
            // Re-anchored in the copy's tests folder, one level below infra/ as examples/ is.
            var main = Path.GetRelativePath(Path.GetDirectoryName(Path.Combine(BicepTemplateTests.Root, "infra", relativePath))!, Path.Combine(BicepTemplateTests.Root, "infra", "main.bicep")).Replace('\\', '/');
            return Evaluate(text.Replace($"using '{main}'", "using '../main.bicep'", StringComparison.Ordinal));
        })).Value;

    /// <summary><c>bicep build-params</c> of infra/main.bicep with these parameters: the exit code and the compiler's output.</summary>
    public static (int Code, string Output) BuildParameters(string parameters)
    {
        var file = Path.Combine(InfraCopy.Value, "tests", $"{Guid.NewGuid():N}.bicepparam");
        File.WriteAllText(file, $"using '../main.bicep'\n\n{parameters}\n");
        return BicepTemplateTests.Bicep("build-params", file, "--stdout");
    }

    /// <summary>
    /// ARM expressions a snapshot leaves unevaluated because they follow the cloud (<c>environment()</c>),
    /// evaluated by <c>bicep console</c> with Azure's public-cloud suffixes put in.
    /// </summary>
    public static IReadOnlyList<string> InPublicCloud(IEnumerable<string> expressions)
    {
        var lines = expressions.Select(e => e.TrimStart('[').TrimEnd(']')
            .Replace("environment().suffixes.storage", "'core.windows.net'", StringComparison.Ordinal)
            .Replace("environment().suffixes.keyvaultDns", "'.vault.azure.net'", StringComparison.Ordinal)).ToList();
        var (code, output) = BicepTemplateTests.Bicep(["console"], string.Join('\n', lines) + "\n");
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Trim('\'')).ToList();
        Assert.True(code == 0 && results.Count == lines.Count, output);
        return results;
    }

    private static Deployment Evaluate(string bicepparam)
    {
        var folder = Path.Combine(InfraCopy.Value, "tests");
        var file = Path.Combine(folder, $"{Guid.NewGuid():N}.bicepparam");
        File.WriteAllText(file, bicepparam);
        var (code, output) = BicepTemplateTests.Bicep("snapshot", file, "--mode", "overwrite", "--subscription-id", SubscriptionId, "--resource-group", ResourceGroup, "--location", "westeurope");
        Assert.True(code == 0, output + "\n" + bicepparam);
        var snapshot = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(file, ".snapshot.json")))!;
        Assert.True(snapshot["diagnostics"]!.AsArray().Count == 0, snapshot["diagnostics"]!.ToJsonString());
        return new Deployment(snapshot);
    }

    private static string CopyInfra()
    {
        var target = Path.Combine(Path.GetTempPath(), "jiraauth-infra-tests", Guid.NewGuid().ToString("N"));
        var source = Path.Combine(BicepTemplateTests.Root, "infra");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        Directory.CreateDirectory(Path.Combine(target, "tests"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(target, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return target;
    }
}
