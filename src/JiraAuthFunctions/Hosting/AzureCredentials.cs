using Azure.Core;
using Azure.Identity;

namespace JiraAuthFunctions.Hosting;

/// <summary>
/// The one way the app builds the credential its Azure clients sign in with (Key Vault, the storage
/// clients, the Azure Monitor exporter; the CLI's table client too). Storage reached by a connection
/// string (Azurite locally) signs in with none.
/// </summary>
public static partial class AzureCredentials
{
    /// <summary>
    /// A user-assigned managed identity when its client id is given (what a deployment sets:
    /// <c>KeyVault:ManagedIdentityClientId</c>); otherwise <see cref="DefaultAzureCredential"/>, which
    /// finds a developer's sign-in (az login, Visual Studio) or environment variables, and in Azure a
    /// system-assigned identity (or the one named by <c>AZURE_CLIENT_ID</c>).
    /// </summary>
    public static TokenCredential Create(string? managedIdentityClientId) =>
        managedIdentityClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
}
