using System.Text.Json.Nodes;

namespace JiraAuthFunctions.InfraTests;

/// <summary>
/// What a deployment creates and in which order, checked on the compiled ARM JSON (dependsOn, API
/// versions) and on evaluated deployments (names, properties): roles before the app, the action group,
/// diagnostic settings and soft delete, and the private-networking option on both hosting plans.
/// </summary>
public sealed class DeploymentShapeTests
{
    [Theory]
    [InlineData("functionApp")]
    [InlineData("functionAppPremium")]
    public void The_app_is_created_after_its_role_assignments_and_its_network(string module)
    {
        var dependsOn = Module(module)["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>()).ToList();

        Assert.Contains("roles", dependsOn);
        Assert.Contains("network", dependsOn);
        // The roles module waits for nothing the app creates (no cycle): only identity, storage, vault, monitoring.
        Assert.DoesNotContain(Module("roles")["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>()), d => d.StartsWith("functionApp", StringComparison.Ordinal));
    }

    [Fact]
    public void An_alert_email_creates_an_action_group_every_alert_notifies()
    {
        var deployment = Deployment.Of(Variants.FlexPrivate);

        var group = deployment.Single("Microsoft.Insights/actionGroups");
        var receiver = Assert.Single(group["properties"]!["emailReceivers"]!.AsArray());
        Assert.Equal("oncall@example.com", receiver!["emailAddress"]!.GetValue<string>());
        var groupId = $"/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.Insights/actionGroups/{group["name"]}";
        var rules = deployment.OfType("Microsoft.Insights/scheduledQueryRules").ToList();
        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.Equal([groupId], r["properties"]!["actions"]!["actionGroups"]!.AsArray().Select(a => a!.GetValue<string>())));
        Assert.StartsWith("e-mail to oncall@example.com", deployment.Output("alertNotifications"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_alert_email_says_NONE_in_the_output_and_notifies_nobody()
    {
        var deployment = Variants.TwoIntegrations;

        Assert.Empty(deployment.OfType("Microsoft.Insights/actionGroups"));
        Assert.StartsWith("NONE:", deployment.Output("alertNotifications"), StringComparison.Ordinal);
        Assert.All(deployment.OfType("Microsoft.Insights/scheduledQueryRules"), r => Assert.Empty(r["properties"]!["actions"]!["actionGroups"]!.AsArray()));
        // Required: a parameters file must say '' to have no notification (main.bicep has no default).
        Assert.Null(BicepTemplateTests.Template["parameters"]!["alertEmail"]!["defaultValue"]);
    }

    [Fact]
    public void An_existing_action_group_is_used_instead_of_creating_one()
    {
        var deployment = Deployment.Of(Variants.ExistingActionGroup);

        Assert.Empty(deployment.OfType("Microsoft.Insights/actionGroups"));
        Assert.All(deployment.OfType("Microsoft.Insights/scheduledQueryRules"), r => Assert.EndsWith("/actionGroups/ops", r["properties"]!["actions"]!["actionGroups"]![0]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public void Key_vault_audit_events_and_storage_logs_go_to_the_workspace()
    {
        var deployment = Variants.TwoIntegrations;
        var workspace = $"/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.OperationalInsights/workspaces/jiraauthdev-logs";
        var settings = deployment.OfType("Microsoft.Insights/diagnosticSettings").ToList();

        // Each setting's target is in its id: .../<resource>/providers/Microsoft.Insights/diagnosticSettings/<name>.
        string Target(JsonNode s) => s["id"]!.GetValue<string>().Split("/providers/Microsoft.Insights/")[0].Split("/providers/")[1];
        Assert.Equal(
            ["Microsoft.KeyVault/vaults/jiraauthdev-kv-vxau7ubwo", "Microsoft.Storage/storageAccounts/jiraauthdevvxau7ubwo2s7w/blobServices/default", "Microsoft.Storage/storageAccounts/jiraauthdevvxau7ubwo2s7w/queueServices/default", "Microsoft.Storage/storageAccounts/jiraauthdevvxau7ubwo2s7w/tableServices/default"],
            settings.Select(Target).Order(StringComparer.Ordinal));
        Assert.All(settings, s => Assert.Equal(workspace, s["properties"]!["workspaceId"]!.GetValue<string>()));
        var vault = settings.Single(s => Target(s).StartsWith("Microsoft.KeyVault", StringComparison.Ordinal));
        Assert.Equal(["AuditEvent"], vault["properties"]!["logs"]!.AsArray().Where(l => l!["enabled"]!.GetValue<bool>()).Select(l => l!["category"]!.GetValue<string>()));
        Assert.All(settings.Where(s => s != vault), s => Assert.Equal(["StorageDelete", "StorageWrite"], s["properties"]!["logs"]!.AsArray().Select(l => l!["category"]!.GetValue<string>()).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Deleted_or_overwritten_blobs_and_deleted_containers_can_be_restored()
    {
        var blobs = Variants.TwoIntegrations.Single("Microsoft.Storage/storageAccounts/blobServices")["properties"]!;
        var containers = Variants.TwoIntegrations.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c["name"]!.GetValue<string>().Split('/')[^1]);

        Assert.True(blobs["deleteRetentionPolicy"]!["enabled"]!.GetValue<bool>());
        Assert.InRange(blobs["deleteRetentionPolicy"]!["days"]!.GetValue<int>(), 7, 365);
        Assert.True(blobs["containerDeleteRetentionPolicy"]!["enabled"]!.GetValue<bool>());
        // Soft delete is per blob service: it covers the package and the lease containers.
        Assert.Superset(new HashSet<string> { "deployment-package", "leases" }, containers.ToHashSet());
    }

    [Fact]
    public void The_queue_role_is_scoped_to_the_one_queue_and_the_other_roles_to_one_resource_each()
    {
        var assignments = Variants.TwoIntegrations.OfType("Microsoft.Authorization/roleAssignments").ToList();
        var queueRole = assignments.Single(a => a["properties"]!["roleDefinitionId"]!.GetValue<string>().EndsWith("c6a89b2d-59bc-44d0-9896-0f6e12d7b80a", StringComparison.Ordinal));

        // The id is extensionResourceId(<scope>, ...): the assignment's scope first.
        Assert.StartsWith($"[extensionResourceId('/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.Storage/storageAccounts/jiraauthdevvxau7ubwo2s7w/queueServices/default/queues/accepted-events', ", queueRole["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(5, assignments.Count);
    }

    public static TheoryData<string, string> PrivateVariants() => new()
    {
        { Variants.FlexPrivate, "Microsoft.App/environments" },
        { Variants.PremiumPrivate, "Microsoft.Web/serverFarms" },
    };

    [Theory]
    [MemberData(nameof(PrivateVariants))]
    public void Private_networking_integrates_the_app_and_reaches_vault_and_storage_only_through_private_endpoints(string parameters, string delegation)
    {
        var deployment = Deployment.Of(parameters);
        var vnet = deployment.Single("Microsoft.Network/virtualNetworks");
        var subnets = vnet["properties"]!["subnets"]!.AsArray();
        var app = subnets.Single(s => s!["name"]!.GetValue<string>() == "app")!;
        var vnetId = $"/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.Network/virtualNetworks/{vnet["name"]}";

        Assert.Equal(delegation, Assert.Single(app["properties"]!["delegations"]!.AsArray())!["properties"]!["serviceName"]!.GetValue<string>());
        Assert.Equal($"{vnetId}/subnets/app", deployment.Single("Microsoft.Web/sites")["properties"]!["virtualNetworkSubnetId"]!.GetValue<string>());

        var endpoints = deployment.OfType("Microsoft.Network/privateEndpoints").ToDictionary(
            e => e["properties"]!["privateLinkServiceConnections"]![0]!["properties"]!["groupIds"]![0]!.GetValue<string>(),
            e => e["properties"]!["privateLinkServiceConnections"]![0]!["properties"]!["privateLinkServiceId"]!.GetValue<string>());
        var vaultId = deployment.Single("Microsoft.KeyVault/vaults")["id"]!.GetValue<string>();
        var accountId = deployment.Single("Microsoft.Storage/storageAccounts")["id"]!.GetValue<string>();
        Assert.Equal(new Dictionary<string, string> { ["vault"] = vaultId, ["blob"] = accountId, ["queue"] = accountId, ["table"] = accountId }, endpoints);
        Assert.All(deployment.OfType("Microsoft.Network/privateEndpoints"), e => Assert.Equal($"{vnetId}/subnets/private-endpoints", e["properties"]!["subnet"]!["id"]!.GetValue<string>()));

        // Zone names follow the cloud (environment()), so the snapshot leaves them expressions: evaluated here.
        var zoneExpressions = deployment.OfType("Microsoft.Network/privateDnsZones").Select(z => z["name"]!.GetValue<string>()).ToList();
        var zones = Deployment.InPublicCloud(zoneExpressions).Zip(zoneExpressions).ToDictionary(z => z.First, z => z.Second.TrimStart('[').TrimEnd(']'));
        Assert.Equal(["privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net", "privatelink.table.core.windows.net", "privatelink.vaultcore.azure.net"], zones.Keys.Order(StringComparer.Ordinal));
        var links = deployment.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks").ToList();
        Assert.Equal(4, links.Count);
        Assert.All(links, l => Assert.Equal(vnetId, l["properties"]!["virtualNetwork"]!["id"]!.GetValue<string>()));
        Assert.Equal(zones.Values.Order(StringComparer.Ordinal), zones.Values.Where(z => links.Any(l => l["name"]!.GetValue<string>().Contains(z, StringComparison.Ordinal))).Order(StringComparer.Ordinal));
        // Each endpoint registers its address in the zone of its service.
        var groups = deployment.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups").ToList();
        Assert.Equal(4, groups.Count);
        Assert.All(groups, g =>
        {
            var config = g["properties"]!["privateDnsZoneConfigs"]!.AsArray().Single()!;
            var service = config["name"]!.GetValue<string>();
            var zone = service == "vault" ? "privatelink.vaultcore.azure.net" : $"privatelink.{service}.core.windows.net";
            Assert.StartsWith($"{deployment.Single("Microsoft.Network/virtualNetworks")["name"]}-{service}/", g["name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains($"'Microsoft.Network/privateDnsZones', {zones[zone]})]", config["properties"]!["privateDnsZoneId"]!.GetValue<string>(), StringComparison.Ordinal);
        });

        Assert.Equal("Disabled", deployment.Single("Microsoft.KeyVault/vaults")["properties"]!["publicNetworkAccess"]!.GetValue<string>());
        Assert.Equal("Disabled", deployment.Single("Microsoft.Storage/storageAccounts")["properties"]!["publicNetworkAccess"]!.GetValue<string>());
        Assert.Equal("Deny", deployment.Single("Microsoft.Storage/storageAccounts")["properties"]!["networkAcls"]!["defaultAction"]!.GetValue<string>());
    }

    [Fact]
    public void Without_private_networking_nothing_of_it_is_deployed_and_access_stays_public()
    {
        var deployment = Variants.TwoIntegrations;

        Assert.Empty(deployment.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(deployment.OfType("Microsoft.Network/privateEndpoints"));
        Assert.Null(deployment.Single("Microsoft.Web/sites")["properties"]!["virtualNetworkSubnetId"]);
        Assert.Equal("Enabled", deployment.Single("Microsoft.KeyVault/vaults")["properties"]!["publicNetworkAccess"]!.GetValue<string>());
        // The parameter that turned the vault's public access off without a way in is gone.
        Assert.Null(BicepTemplateTests.Template["parameters"]!["keyVaultPublicNetworkAccess"]);
    }

    [Fact]
    public void Every_resource_uses_the_api_version_azure_verified_modules_use()
    {
        // Azure/bicep-registry-modules (avm/res/...), main branch of 2026-08-07; alerts.bicep is another change's.
        var expected = new Dictionary<string, string>
        {
            ["Microsoft.Web/sites"] = "2025-03-01",
            ["Microsoft.Web/serverfarms"] = "2025-03-01",
            ["Microsoft.Web/sites/basicPublishingCredentialsPolicies"] = "2025-03-01",
            ["Microsoft.KeyVault/vaults"] = "2024-11-01",
            ["Microsoft.Storage/storageAccounts"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/blobServices"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/blobServices/containers"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/queueServices"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/queueServices/queues"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/tableServices"] = "2025-01-01",
            ["Microsoft.Storage/storageAccounts/tableServices/tables"] = "2025-01-01",
            ["Microsoft.ManagedIdentity/userAssignedIdentities"] = "2024-11-30",
            ["Microsoft.OperationalInsights/workspaces"] = "2025-07-01",
            ["Microsoft.Insights/components"] = "2020-02-02",
            ["Microsoft.Insights/actionGroups"] = "2024-10-01-preview",
            ["Microsoft.Insights/diagnosticSettings"] = "2021-05-01-preview",
            ["Microsoft.Insights/webtests"] = "2022-06-15",
            ["Microsoft.Insights/metricAlerts"] = "2018-03-01",
            ["Microsoft.Authorization/roleAssignments"] = "2022-04-01",
            ["Microsoft.Network/virtualNetworks"] = "2025-05-01",
            ["Microsoft.Network/privateEndpoints"] = "2025-05-01",
            ["Microsoft.Network/privateEndpoints/privateDnsZoneGroups"] = "2025-05-01",
            ["Microsoft.Network/privateDnsZones"] = "2020-06-01",
            ["Microsoft.Network/privateDnsZones/virtualNetworkLinks"] = "2024-06-01",
        };
        var used = Deployment.Of(Variants.FlexPrivate).Resources.Concat(Deployment.Of(Variants.PremiumPrivate).Resources)
            .Select(r => (Type: r["type"]!.GetValue<string>(), Version: r["apiVersion"]!.GetValue<string>()))
            .Where(r => r.Type != "Microsoft.Insights/scheduledQueryRules")
            .Distinct()
            .ToList();

        Assert.All(used, r => Assert.Equal((r.Type, expected.GetValueOrDefault(r.Type, "not listed")), r));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), used.Select(r => r.Type).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_availability_test_checks_health_from_outside_and_its_alert_notifies_the_action_group()
    {
        var deployment = Deployment.Of(Variants.FlexPrivate);
        var insights = deployment.Single("Microsoft.Insights/components");
        var insightsId = $"/subscriptions/{Deployment.SubscriptionId}/resourceGroups/{Deployment.ResourceGroup}/providers/Microsoft.Insights/components/{insights["name"]}";

        var test = deployment.Single("Microsoft.Insights/webtests");
        Assert.Equal("standard", test["kind"]!.GetValue<string>());
        var properties = test["properties"]!;
        // The host name is the app's output, which the snapshot leaves as an expression: https://<that>/api/health.
        var url = properties["Request"]!["RequestUrl"]!.GetValue<string>();
        Assert.Contains("https://", url, StringComparison.Ordinal);
        Assert.Contains("/api/health", url, StringComparison.Ordinal);
        Assert.Contains("defaultHostName", url, StringComparison.Ordinal);
        Assert.Equal(200, properties["ValidationRules"]!["ExpectedHttpStatusCode"]!.GetValue<int>());
        var content = properties["ValidationRules"]!["ContentValidation"]!;
        Assert.Equal("\"status\":\"unhealthy\"", content["ContentMatch"]!.GetValue<string>());
        Assert.False(content["PassIfTextFound"]!.GetValue<bool>());
        Assert.True(properties["Enabled"]!.GetValue<bool>());
        Assert.Equal("Resource", test["tags"]![$"hidden-link:{insightsId}"]!.GetValue<string>());

        var alert = deployment.Single("Microsoft.Insights/metricAlerts");
        var criteria = alert["properties"]!["criteria"]!;
        Assert.Equal("Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", criteria["odata.type"]!.GetValue<string>());
        Assert.EndsWith($"/webtests/{test["name"]}", criteria["webTestId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(insightsId, criteria["componentId"]!.GetValue<string>());
        var group = deployment.Single("Microsoft.Insights/actionGroups");
        Assert.EndsWith($"/actionGroups/{group["name"]}", Assert.Single(alert["properties"]!["actions"]!.AsArray())!["actionGroupId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(Variants.TwoIntegrations.Single("Microsoft.Insights/metricAlerts")["properties"]!["actions"]!.AsArray());
    }

    [Fact]
    public void The_platform_health_check_probes_health_on_premium_and_flex_which_has_none_leaves_it_unset()
    {
        Assert.Equal("/api/health", Deployment.Of(Variants.PremiumPrivate).Single("Microsoft.Web/sites")["properties"]!["siteConfig"]!["healthCheckPath"]!.GetValue<string>());
        Assert.Null(Deployment.Of(Variants.FlexPrivate).Single("Microsoft.Web/sites")["properties"]!["siteConfig"]!["healthCheckPath"]);
    }

    private static JsonNode Module(string name) => BicepTemplateTests.Template["resources"]![name]!;
}
