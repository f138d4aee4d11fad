using System.Text.RegularExpressions;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// Every resource name a deployment evaluates to obeys its type's rules, whatever baseName is; an
/// existing deployment keeps its names; and the globally unique names can be moved aside (nameSeed) or
/// the soft-deleted vault recovered, so deleting and recreating an environment does not fail for 90 days.
/// </summary>
public sealed class NamingTests
{
    // The naming rules of each type (learn.microsoft.com, "Naming rules and restrictions for Azure resources").
    private static readonly Dictionary<string, Regex> Rules = new()
    {
        ["Microsoft.Storage/storageAccounts"] = new("^[a-z0-9]{3,24}$"),
        ["Microsoft.KeyVault/vaults"] = new("^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
        ["Microsoft.Web/sites"] = new("^[a-zA-Z0-9][a-zA-Z0-9-]{0,58}[a-zA-Z0-9]$"),
        ["Microsoft.Web/serverfarms"] = new("^[a-zA-Z0-9-]{1,60}$"),
        ["Microsoft.ManagedIdentity/userAssignedIdentities"] = new("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$"),
        ["Microsoft.OperationalInsights/workspaces"] = new("^[a-zA-Z0-9][a-zA-Z0-9-]{2,61}[a-zA-Z0-9]$"),
        ["Microsoft.Insights/components"] = new(@"^[^%&\\?/]{0,259}[^%&\\?/. ]$"),
        ["Microsoft.Insights/scheduledQueryRules"] = new(@"^[^*<>%{}&:\\?/#|]{0,259}[^*<>%{}&:\\?/#|. ]$"),
        ["Microsoft.Insights/actionGroups"] = new(@"^[^*<>%{}&:\\?/#|]{0,259}[^*<>%{}&:\\?/#|. ]$"),
        ["Microsoft.Network/virtualNetworks"] = new(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]$"),
        ["Microsoft.Network/privateEndpoints"] = new(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]$"),
    };

    public static TheoryData<string> BaseNames() => new() { "jiraauthdev", Variants.FlexPrivate, Variants.PremiumPrivate, Variants.NothingUsable };

    [Theory]
    [MemberData(nameof(BaseNames))]
    public void Every_name_obeys_the_rules_of_its_resource_type(string parameters)
    {
        var deployment = parameters == "jiraauthdev" ? Variants.TwoIntegrations : Deployment.Of(parameters);

        var named = deployment.Resources.Where(r => Rules.ContainsKey(r["type"]!.GetValue<string>())).ToList();

        Assert.True(named.Count >= 7, $"only {named.Count} named resources");
        Assert.All(named, r => Assert.True(
            Rules[r["type"]!.GetValue<string>()].IsMatch(r["name"]!.GetValue<string>()),
            $"{r["type"]} name '{r["name"]}' breaks its rules"));
        foreach (var group in deployment.OfType("Microsoft.Insights/actionGroups"))
        {
            Assert.InRange(group["properties"]!["groupShortName"]!.GetValue<string>().Length, 1, 12);
        }
    }

    [Fact]
    public void A_valid_base_name_keeps_the_names_an_existing_deployment_has()
    {
        // The names the template gave baseName jiraauthdev in resource group rg-test before names were derived.
        var names = Variants.TwoIntegrations.Resources.Where(r => !r["name"]!.GetValue<string>().Contains('/', StringComparison.Ordinal) && !r["name"]!.GetValue<string>().StartsWith('['))
            .Select(r => r["type"]!.GetValue<string>() + " " + r["name"]!.GetValue<string>()).ToHashSet();

        Assert.Contains("Microsoft.KeyVault/vaults jiraauthdev-kv-vxau7ubwo", names);
        Assert.Contains("Microsoft.Storage/storageAccounts jiraauthdevvxau7ubwo2s7w", names);
        Assert.Contains("Microsoft.Web/sites jiraauthdev-vxau7ubwo2s7w", names);
        Assert.Contains("Microsoft.Web/serverfarms jiraauthdev-vxau7ubwo2s7w-plan", names);
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities jiraauthdev-id", names);
        Assert.Contains("Microsoft.OperationalInsights/workspaces jiraauthdev-logs", names);
        Assert.Contains("Microsoft.Insights/components jiraauthdev-insights", names);
        Assert.Contains("Microsoft.Insights/scheduledQueryRules jiraauthdev-rejections", names);
    }

    [Fact]
    public void A_hyphen_is_kept_where_allowed_and_dropped_from_the_storage_account()
    {
        var deployment = Deployment.Of(Variants.FlexPrivate);

        Assert.StartsWith("jiraauth", deployment.Single("Microsoft.Storage/storageAccounts")["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("Jira-Auth-kv-", deployment.Single("Microsoft.KeyVault/vaults")["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("Jira-Auth-", deployment.Single("Microsoft.Web/sites")["name"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_seed_moves_every_globally_unique_name_and_recover_mode_reaches_the_vault()
    {
        var seeded = Deployment.Of(Variants.PremiumPrivate);
        var unseeded = Deployment.Of(Variants.PremiumPrivate.Replace("param nameSeed = 'again'\n", "", StringComparison.Ordinal));

        foreach (var type in new[] { "Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts", "Microsoft.Web/sites" })
        {
            Assert.NotEqual(unseeded.Single(type)["name"]!.GetValue<string>(), seeded.Single(type)["name"]!.GetValue<string>());
        }

        Assert.Equal("recover", seeded.Single("Microsoft.KeyVault/vaults")["properties"]!["createMode"]!.GetValue<string>());
        Assert.Equal("default", Variants.TwoIntegrations.Single("Microsoft.KeyVault/vaults")["properties"]!["createMode"]!.GetValue<string>());
        Assert.True(seeded.Single("Microsoft.KeyVault/vaults")["properties"]!["enablePurgeProtection"]!.GetValue<bool>());
    }
}
