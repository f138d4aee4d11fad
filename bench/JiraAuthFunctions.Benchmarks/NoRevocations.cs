using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>An empty revocation list: the app's file list is a dictionary lookup after its first load, and the file I/O is not what is measured.</summary>
internal sealed class NoRevocations : IRevocationList
{
    public bool IsRevoked(string integration, string jtiHash) => false;
}
