using System.Collections.Frozen;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>What a <see cref="VerificationMethod.Connect"/> integration holds besides its name: built once at start.</summary>
public sealed class ConnectApp
{
    public ConnectApp(string name, IntegrationOptions options, ConnectTenants tenants, InstallKeys installKeys)
    {
        Name = name;
        PathPrefix = QueryStringHash.PathPrefix(name);
        Audience = options.BaseUrl!.OriginalString.TrimEnd('/');
        ContextQshRoutes = options.ContextQshRoutes.Select(QueryStringHash.CanonicalPath).ToFrozenSet(StringComparer.Ordinal);
        MaxTokenLifetime = options.MaxTokenLifetime;
        Tenants = tenants;
        InstallKeys = installKeys;
    }

    public string Name { get; }

    /// <summary><c>/api/connect/{name}</c>: where the app-relative path of a request starts (built once, not per request).</summary>
    internal string PathPrefix { get; }

    /// <summary>The descriptor's baseUrl without a trailing '/': the <c>aud</c> of signed lifecycle calls.</summary>
    public string Audience { get; }

    /// <summary>App-relative paths (canonical form) that accept <c>qsh: context-qsh</c>.</summary>
    public FrozenSet<string> ContextQshRoutes { get; }

    public TimeSpan MaxTokenLifetime { get; }

    public ConnectTenants Tenants { get; }

    public InstallKeys InstallKeys { get; }
}
