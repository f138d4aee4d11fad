namespace JiraAuthFunctions.InfraTests;

/// <summary>The deployments the tests evaluate, each once (a snapshot takes the compiler some seconds).</summary>
internal static class Variants
{
    /// <summary>infra/examples/two-integrations.bicepparam: Flex Consumption, public, no alert e-mail.</summary>
    public static Deployment TwoIntegrations => Deployment.OfFile("examples/two-integrations.bicepparam");

    /// <summary>Flex Consumption with private networking and an alert e-mail; a baseName with upper case and a hyphen.</summary>
    public const string FlexPrivate = """
        param baseName = 'Jira-Auth'
        param alertEmail = 'oncall@example.com'
        param privateNetworking = true
        """;

    /// <summary>Elastic Premium with private networking, new names (nameSeed), the vault recovered; a baseName no name accepts as is.</summary>
    public const string PremiumPrivate = """
        param baseName = '1st--app_'
        param alertEmail = ''
        param hostingPlan = 'ElasticPremium'
        param privateNetworking = true
        param nameSeed = 'again'
        param keyVaultCreateMode = 'recover'
        """;

    /// <summary>A baseName with nothing usable in it.</summary>
    public const string NothingUsable = """
        param baseName = '-._-'
        param alertEmail = ''
        """;

    /// <summary>An existing action group instead of an e-mail.</summary>
    public const string ExistingActionGroup = """
        param baseName = 'jiraauthdev'
        param alertEmail = 'ignored@example.com'
        param actionGroupId = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/ops'
        """;
}
