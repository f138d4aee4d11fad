using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// infra/main.bicep built and linted by the real Bicep compiler, then the security properties the
/// deployment promises checked on the ARM JSON it produces.
/// </summary>
public sealed class BicepTemplateTests
{
    private static readonly Lazy<(JsonNode Template, string Output)> Built = new(Build);

    internal static JsonNode Template => Built.Value.Template;

    private static readonly string[] ForbiddenRoles =
    [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
        "b24988ac-6180-42e0-ab5d-3d6c8a2dfb1b", // Contributor
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
        "00482a5a-887f-4fb3-b363-3b7fe8e74483", // Key Vault Administrator
    ];

    [Fact]
    public void The_template_and_its_parameters_file_compile_and_lint_without_a_warning()
    {
        Assert.Equal("", Built.Value.Output.Trim());
        var (code, output) = Bicep("lint", Path.Combine(Root, "infra", "main.bicep"));
        Assert.True(code == 0 && output.Trim().Length == 0, output);
        foreach (var parameters in new[] { "main.bicepparam", "premium.bicepparam" })
        {
            (code, output) = Bicep("build-params", Path.Combine(Root, "infra", parameters), "--stdout");
            Assert.True(code == 0, output);
            Assert.Equal("", output[..output.IndexOf('{', StringComparison.Ordinal)].Trim());
        }

        // Each hosting variant's module also builds and lints on its own.
        foreach (var module in new[] { "functionapp.bicep", "functionapp-premium.bicep" })
        {
            (code, output) = Bicep("lint", Path.Combine(Root, "infra", "modules", module));
            Assert.True(code == 0 && output.Trim().Length == 0, output);
        }
    }

    [Fact]
    public void Key_vault_uses_rbac_with_soft_delete_and_purge_protection()
    {
        var vault = Single("Microsoft.KeyVault/vaults")["properties"]!;

        Assert.True(vault["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault["enablePurgeProtection"]!.GetValue<bool>());
        Assert.True(vault["enableSoftDelete"]!.GetValue<bool>());
        Assert.Null(vault["accessPolicies"]);
    }

    [Fact]
    public void Storage_allows_no_shared_key_no_public_blob_and_tls_1_2_only()
    {
        var account = Single("Microsoft.Storage/storageAccounts")["properties"]!;

        Assert.False(account["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(account["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", account["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(account["supportsHttpsTrafficOnly"]!.GetValue<bool>());
    }

    [Theory]
    [MemberData(nameof(HostingVariants))]
    public void The_replay_table_exists_and_the_app_uses_it_by_identity(string variant)
    {
        var table = Single("Microsoft.Storage/storageAccounts/tableServices/tables");
        var settings = Settings(variant);

        Assert.Contains("replayTableName", table["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Table", settings["Inbound__ReplayStore"]);
        Assert.Contains(".primaryEndpoints.table", settings["Storage__TableServiceUri"], StringComparison.Ordinal);
        Assert.Equal("replay", settings["Inbound__ReplayTableName"]);
        Assert.Equal("Table", settings["Inbound__RevocationStore"]); // revocations every instance shares, in the same table
        Assert.NotNull(Template["outputs"]!["tableServiceUri"]); // where on-call's CLI revokes (--table-uri)
        Assert.DoesNotContain("Storage__ConnectionString", settings.Keys);
    }

    [Fact]
    public void Application_insights_has_local_auth_off()
    {
        Assert.True(Single("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
    }

    /// <summary>The two hosting plans (parameter hostingPlan), each a module of main.bicep deployed on its condition.</summary>
    public static TheoryData<string> HostingVariants() => new() { FlexModule, PremiumModule };

    private const string FlexModule = "functionApp";
    private const string PremiumModule = "functionAppPremium";

    [Theory]
    [MemberData(nameof(HostingVariants))]
    public void The_function_app_is_https_only_tls_1_2_without_ftp_or_basic_publishing(string variant)
    {
        var site = Single(Variant(variant), "Microsoft.Web/sites");
        var properties = site["properties"]!;
        Assert.Equal("functionapp,linux", site["kind"]!.GetValue<string>());
        Assert.True(properties["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", properties["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("Disabled", properties["siteConfig"]!["ftpsState"]!.GetValue<string>());
        Assert.Equal("UserAssigned", site["identity"]!["type"]!.GetValue<string>());

        var policies = Resources(Variant(variant), "Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False(p["properties"]!["allow"]!.GetValue<bool>()));
    }

    [Fact]
    public void Exactly_one_hosting_variant_is_deployed_flex_consumption_by_default()
    {
        var main = Template;
        Assert.Equal("FlexConsumption", main["parameters"]!["hostingPlan"]!["defaultValue"]!.GetValue<string>());
        Assert.Equal(["ElasticPremium", "FlexConsumption"], main["parameters"]!["hostingPlan"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).Order());
        Assert.Equal("[variables('flex')]", Module(FlexModule)["condition"]!.GetValue<string>());
        Assert.Equal("[not(variables('flex'))]", Module(PremiumModule)["condition"]!.GetValue<string>());
        Assert.Contains("equals(parameters('hostingPlan'), 'FlexConsumption')", main["variables"]!["flex"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Flex_consumption_runs_the_dotnet_isolated_10_runtime_and_deploys_from_the_container_by_identity()
    {
        var flex = Variant(FlexModule);
        var plan = Single(flex, "Microsoft.Web/serverfarms");
        var config = Single(flex, "Microsoft.Web/sites")["properties"]!["functionAppConfig"]!;

        Assert.Equal(("FC1", "FlexConsumption"), (plan["sku"]!["name"]!.GetValue<string>(), plan["sku"]!["tier"]!.GetValue<string>()));
        // "10.0" as a string: "10" deploys and then fails when the host starts (Azure/Azure-Functions#2666).
        Assert.Equal(("dotnet-isolated", "10.0"), (config["runtime"]!["name"]!.GetValue<string>(), config["runtime"]!["version"]!.GetValue<string>()));
        Assert.Equal(0, flex["parameters"]!["alwaysReadyHttpInstances"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal("[if(greater(parameters('alwaysReadyHttpInstances'), 0), createArray(createObject('name', 'http', 'instanceCount', parameters('alwaysReadyHttpInstances'))), createArray())]",
            config["scaleAndConcurrency"]!["alwaysReady"]!.GetValue<string>());
        Assert.Equal("blobContainer", config["deployment"]!["storage"]!["type"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", config["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Elastic_premium_is_linux_ep1_to_ep3_and_runs_the_package_from_its_blob_by_identity()
    {
        var premium = Variant(PremiumModule);
        var plan = Single(premium, "Microsoft.Web/serverfarms");
        var settings = Settings(PremiumModule);

        Assert.Equal("ElasticPremium", plan["sku"]!["tier"]!.GetValue<string>());
        Assert.Equal("elastic", plan["kind"]!.GetValue<string>());
        Assert.True(plan["properties"]!["reserved"]!.GetValue<bool>()); // Linux
        Assert.Equal(["EP1", "EP2", "EP3"], premium["parameters"]!["sku"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("dotnet-isolated", settings["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("DOTNET-ISOLATED|10.0", Single(premium, "Microsoft.Web/sites")["properties"]!["siteConfig"]!["linuxFxVersion"]!.GetValue<string>());
        Assert.Equal("~4", settings["FUNCTIONS_EXTENSION_VERSION"]);
        Assert.Matches(@"primaryEndpoints\.blob, 'deployment-package'\), 'jiraauthfunctions\.zip'\)\]$", settings["WEBSITE_RUN_FROM_PACKAGE"]);
        Assert.Equal($"/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/jiraauthdev-id", settings["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"]);
        Assert.Null(Single(premium, "Microsoft.Web/sites")["properties"]!["functionAppConfig"]);
    }

    [Theory]
    [MemberData(nameof(HostingVariants))]
    public void The_host_storage_is_by_identity_and_no_setting_carries_a_key(string variant)
    {
        var settings = Settings(variant);

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.EndsWith("userAssignedIdentities/jiraauthdev-id', '2024-11-30').clientId]", settings["AzureWebJobsStorage__clientId"], StringComparison.Ordinal);
        Assert.StartsWith("[format('Authorization=AAD;ClientId={0}', reference(", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        // A connection string to storage (host storage or the Azure Files content share) would need an account key.
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", settings.Keys);
        Assert.All(settings.Values, v => Assert.DoesNotContain("AccountKey", v, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void No_role_is_broader_than_needed_and_every_assignment_is_scoped_to_one_resource()
    {
        var assignments = RoleAssignments().ToList();

        Assert.Equal(5, assignments.Count);
        Assert.All(assignments, a => Assert.DoesNotContain(a.RoleId, ForbiddenRoles, StringComparer.OrdinalIgnoreCase));
        // Each role on the one resource it is needed on: never the resource group or the subscription.
        var expected = new[]
        {
            ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts"), // Storage Blob Data Owner
            ("c6a89b2d-59bc-44d0-9896-0f6e12d7b80a", "Microsoft.Storage/storageAccounts/queueServices/queues"), // Storage Queue Data Message Sender, on the one queue
            ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts"), // Storage Table Data Contributor
            ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Microsoft.KeyVault/vaults"), // Key Vault Secrets Officer
            ("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components"), // Monitoring Metrics Publisher
        };
        Assert.Equal(expected.Order(), assignments.Select(a => (a.RoleId, ScopeType(a.Scope))).Order());
    }

    [Theory]
    [MemberData(nameof(HostingVariants))]
    public void The_template_sets_every_setting_the_code_reads_and_no_other(string variant)
    {
        var settings = Settings(variant).Keys.Order().ToList();

        string[] readByTheApp = ["KeyVault__VaultUri", "KeyVault__ManagedIdentityClientId", "AZURE_CLIENT_ID", "Storage__BlobServiceUri", "Storage__QueueServiceUri", "Events__Sink", "Storage__TableServiceUri", "Inbound__ReplayStore", "Inbound__ReplayTableName", "Inbound__RevocationStore"];
        string[] readByTheHost = ["AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        // Flex takes the runtime and the package from functionAppConfig; Premium from these settings.
        string[] readByThePremiumPlatform = ["FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"];
        var expected = readByTheApp.Concat(readByTheHost).Concat(variant == PremiumModule ? readByThePremiumPlatform : []);
        Assert.Equal(expected.Order(), settings);
    }

    [Fact]
    public void On_call_gets_alerts_over_the_app_logs_in_application_insights()
    {
        // One resource looped over the rules variable of the alerts module.
        var rule = Single("Microsoft.Insights/scheduledQueryRules");
        var module = Resources("Microsoft.Resources/deployments").Single(d => d["name"]!.GetValue<string>() == "alerts")["properties"]!["template"]!;
        var rules = module["variables"]!["rules"]!.AsArray();

        Assert.NotNull(rule["copy"]);
        Assert.Equal(22, rules.Count);
        // The worker's log records (OpenTelemetry): fields are customDimensions, no console text to parse.
        var logs = module["variables"]!["logs"]!.GetValue<string>();
        Assert.Contains("customDimensions.EventId", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Host.Function.Console", module.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("parse_json", module.ToJsonString(), StringComparison.Ordinal);
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r!["description"]!.GetValue<string>())));
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3], rules.Select(r => r!["severity"]!.GetValue<int>()));
    }

    [Fact]
    public void Ready_queries_for_on_call_are_there()
    {
        var queries = Directory.GetFiles(Path.Combine(Root, "infra", "queries"), "*.kql").Select(Path.GetFileName).Order().ToList();

        Assert.Equal(["credentials-health.kql", "last-renewal.kql", "rejections-by-reason.kql", "replayed-tokens.kql", "secret-store-health.kql", "why-was-jira-refused.kql"], queries);
    }

    /// <summary>
    /// Every role assignment with its role id resolved (in the ARM JSON the id is an expression over the
    /// module's <c>roles</c> variable, so the GUID is looked up there) and its scope expression.
    /// </summary>
    private static IEnumerable<(string RoleId, string Scope)> RoleAssignments()
    {
        foreach (var (resource, template) in WithTemplate(Template).Where(r => r.Resource["type"]?.GetValue<string>() == "Microsoft.Authorization/roleAssignments"))
        {
            var expression = resource["properties"]!["roleDefinitionId"]!.GetValue<string>();
            var literal = Regex.Match(expression, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase);
            var variable = Regex.Match(expression, @"variables\('(\w+)'\)\.(\w+)");
            var roleId = literal.Success ? literal.Value
                : variable.Success ? template["variables"]?[variable.Groups[1].Value]?[variable.Groups[2].Value]?.GetValue<string>()
                : null;
            Assert.True(roleId is not null, $"Role id not resolvable: {expression}");
            yield return (roleId!, resource["scope"]?.GetValue<string>() ?? "");
        }
    }

    /// <summary>The resource type a scope expression names, e.g. <c>[resourceId('Microsoft.KeyVault/vaults', ...)]</c>.</summary>
    private static string ScopeType(string scope) => Regex.Match(scope, @"^\[resourceId\('([^']+)'").Groups[1].Value is { Length: > 0 } type ? type : $"not one resource: '{scope}'";

    private static IEnumerable<(JsonNode Resource, JsonNode Template)> WithTemplate(JsonNode template)
    {
        foreach (var resource in Declared(template))
        {
            yield return (resource!, template);
            if (resource!["properties"]?["template"] is JsonNode nested)
            {
                foreach (var inner in WithTemplate(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    private static JsonNode Single(string type) => Assert.Single(Resources(type));

    private static JsonNode Single(JsonNode template, string type) => Assert.Single(Resources(template, type));

    private static IEnumerable<JsonNode> Resources(JsonNode template, string type) => All(template).Where(r => r["type"]?.GetValue<string>() == type);

    /// <summary>The module deployment of main.bicep with this name.</summary>
    private static JsonNode Module(string name) => Resources("Microsoft.Resources/deployments").Single(d => d["name"]!.GetValue<string>() == name);

    /// <summary>A hosting variant's compiled module template.</summary>
    private static JsonNode Variant(string module) => Module(module)["properties"]!["template"]!;

    /// <summary>
    /// A variant's app settings, name to value, as a deployment of its parameters file evaluates them
    /// (main.bicepparam, premium.bicepparam); values that need a deployed resource stay ARM expressions.
    /// </summary>
    private static Dictionary<string, string> Settings(string variant) =>
        Deployment.OfFile(variant == PremiumModule ? "premium.bicepparam" : "main.bicepparam").AppSettings;

    /// <summary>Every resource of a type, modules (nested deployments) included.</summary>
    private static IEnumerable<JsonNode> Resources(string type) => All(Template).Where(r => r["type"]?.GetValue<string>() == type);

    private static IEnumerable<JsonNode> All(JsonNode template)
    {
        foreach (var resource in Declared(template))
        {
            yield return resource!;
            if (resource!["properties"]?["template"] is JsonNode nested)
            {
                foreach (var inner in All(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// The resources a template deploys: an array, or with user-defined types (languageVersion 2.0) an
    /// object keyed by symbolic name that also lists the <c>existing</c> resources it only refers to.
    /// </summary>
    internal static IEnumerable<JsonNode> Declared(JsonNode template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!),
        JsonObject byName => byName.Select(r => r.Value!).Where(r => r["existing"]?.GetValue<bool>() != true),
        _ => [],
    };

    private static (JsonNode, string) Build()
    {
        var (code, output) = Bicep("build", Path.Combine(Root, "infra", "main.bicep"), "--stdout");
        Assert.True(code == 0, output);
        var json = output[output.IndexOf('{', StringComparison.Ordinal)..];
        var warnings = output[..output.IndexOf('{', StringComparison.Ordinal)];
        return (JsonNode.Parse(json)!, warnings);
    }

    internal static (int Code, string Output) Bicep(params string[] args) => Bicep(args, null);

    /// <summary>The compiler with these arguments and, when given, this text on its standard input.</summary>
    internal static (int Code, string Output) Bicep(string[] args, string? input)
    {
        var path = typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!.Replace('\\', '/');
        // NuGet does not keep the executable bit of the files it extracts.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result + stdout);
    }

    internal static string Root
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
