namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Where revoked tokens are kept (keys <c>Inbound:RevocationStore</c>, <c>Inbound:RevocationPollInterval</c>).
/// <c>File</c>, the default, is <c>revocations.json</c> in the data folder, right for one instance on a
/// machine the CLI can reach. <c>Table</c> is the replay table (<c>Inbound:ReplayTableName</c>, reached
/// like the replay store through <c>Storage:TableServiceUri</c> or <c>Storage:ConnectionString</c>), read
/// by every instance every poll interval: what a deployed, scaled-out app uses.
/// </summary>
public sealed class RevocationStoreOptions
{
    public const string File = "File";
    public const string Table = "Table";

    /// <summary>At most a minute: a revocation must reach every instance within it.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MinPollInterval = TimeSpan.FromSeconds(1);

    /// <summary><see cref="File"/> or <see cref="Table"/>.</summary>
    public string RevocationStore { get; set; } = File;

    /// <summary>How often each instance reads the table (<see cref="Table"/> only); a revocation takes effect within it.</summary>
    public TimeSpan RevocationPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The table, shared with the replay store (the deployment creates it).</summary>
    public string ReplayTableName { get; set; } = TableReplayCache.DefaultTableName;

    public bool UsesTable => string.Equals(RevocationStore, Table, StringComparison.OrdinalIgnoreCase);
}
