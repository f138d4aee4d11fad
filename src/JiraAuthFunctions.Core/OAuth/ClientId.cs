using System.Security.Cryptography;

namespace JiraAuthFunctions.OAuth;

/// <summary>
/// A client id: <c>&lt;integration&gt;.&lt;24 hex digits&gt;</c>. The integration part finds the client without
/// a store search; the random part is kept on every version of the client's secret (tag
/// <see cref="Tag"/>), so knowing an integration's name (it is in the events URL) is not knowing its
/// client id, and nobody can lock a client out (rate limit) without it.
/// </summary>
public static class ClientId
{
    public const string Tag = "clientId";

    public static string New(string integration) => $"{integration}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    /// <summary>The integration a client id names, or null when it has not the shape of one.</summary>
    public static string? IntegrationOf(string clientId)
    {
        var dot = clientId.IndexOf('.', StringComparison.Ordinal);
        return dot is > 0 and <= 64 && clientId.Length - dot - 1 == 24 ? clientId[..dot] : null;
    }

    /// <summary>The store name of an integration's client: its secret hash versions, tagged with the client id.</summary>
    public static string SecretName(string integration) => $"oauth-client-{integration}";
}
