namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Where accepted <c>jti</c>s are remembered (keys <c>Inbound:ReplayStore</c>, <c>Inbound:ReplayTableName</c>).
/// <c>Memory</c>, the default, is right for one instance; <c>Table</c> (an Azure Storage table shared
/// by every instance) for a scaled-out app, where a token replayed to another instance must be caught too.
/// </summary>
public sealed class ReplayStoreOptions
{
    public const string Memory = "Memory";
    public const string Table = "Table";

    /// <summary><see cref="Memory"/> or <see cref="Table"/>.</summary>
    public string ReplayStore { get; set; } = Memory;

    /// <summary>The table for <see cref="Table"/>; the deployment creates it (the app does not).</summary>
    public string ReplayTableName { get; set; } = TableReplayCache.DefaultTableName;

    public bool UsesTable => string.Equals(ReplayStore, Table, StringComparison.OrdinalIgnoreCase);
}
