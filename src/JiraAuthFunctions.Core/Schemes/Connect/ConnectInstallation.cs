namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>
/// What a tenant's install payload said besides its clientKey, site URL and shared secret: every
/// string member Atlassian sent but <c>eventType</c>, kept with the tenant so that later features
/// (the OAuth client id for acting as a user, the display URL, the product and its version) do not
/// need every site to install again. Never the shared secret.
/// </summary>
public sealed class ConnectInstallation : IEquatable<ConnectInstallation>
{
    /// <summary>
    /// The most characters (names and values together) kept: Atlassian's payloads are about 1 KB,
    /// and the tenant's secret value must stay well inside Key Vault's 25 KB.
    /// </summary>
    public const int MaxChars = 16 * 1024;

    public ConnectInstallation(IReadOnlyDictionary<string, string> members)
    {
        Members = members;
    }

    /// <summary>The payload's string members by name, as sent.</summary>
    public IReadOnlyDictionary<string, string> Members { get; }

    /// <summary>The app's key (the descriptor's <c>key</c>).</summary>
    public string? Key => Member("key");

    /// <summary>The OAuth client id of the app's installation, for acting as a user (present when the descriptor asks for it).</summary>
    public string? OauthClientId => Member("oauthClientId");

    /// <summary>The site's URL as its users see it (a custom domain may differ from the baseUrl).</summary>
    public string? DisplayUrl => Member("displayUrl");

    /// <summary><c>jira</c> or <c>confluence</c>.</summary>
    public string? ProductType => Member("productType");

    public string? ServerVersion => Member("serverVersion");

    public string? PluginsVersion => Member("pluginsVersion");

    public string? Description => Member("description");

    public string? ServiceEntitlementNumber => Member("serviceEntitlementNumber");

    public string? Member(string name) => Members.GetValueOrDefault(name);

    public bool Equals(ConnectInstallation? other) =>
        other is not null && Members.Count == other.Members.Count &&
        Members.All(m => other.Members.TryGetValue(m.Key, out var value) && value == m.Value);

    public override bool Equals(object? obj) => Equals(obj as ConnectInstallation);

    public override int GetHashCode() => Members.Count;
}
