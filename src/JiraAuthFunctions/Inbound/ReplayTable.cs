using System.Security.Cryptography;
using System.Text;
using Azure;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// What the replay table's two users (<see cref="TableReplayCache"/>, <see cref="TableDeliveryLog"/>)
/// share: the row key, the expiry column the credentials job sweeps by, and which exceptions mean
/// the table could not answer.
/// </summary>
internal static class ReplayTable
{
    /// <summary>The column every row carries; rows past it are ignored and swept.</summary>
    public const string ExpiresOn = "ExpiresOn";

    /// <summary>A row key for any string: its SHA-256 in hex (row keys forbid '/', '\', '#', '?' and control characters; nothing is stored in clear).</summary>
    public static string RowKey(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>The table did not answer (an error status, the network, a timeout), as opposed to the caller cancelling.</summary>
    public static bool IsStorageFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or HttpRequestException or AggregateException or TimeoutException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Status and error code for a log line: never the message, which may quote the request.</summary>
    public static (int Status, string ErrorCode) Describe(Exception ex) =>
        ex is RequestFailedException failed ? (failed.Status, failed.ErrorCode ?? "none") : (0, ex.GetType().Name);

    /// <summary>
    /// The settings every user of the replay table needs (the replay store, the revocation store): a
    /// storage endpoint and a valid table name, each message naming the full key and the fix.
    /// </summary>
    /// <param name="owner">The setting that chose the table, e.g. <c>Inbound:ReplayStore</c>.</param>
    public static void CheckSettings(IConfiguration configuration, string owner, string? tableName, List<string> errors)
    {
        if (string.IsNullOrEmpty(configuration["Storage:TableServiceUri"]) && string.IsNullOrEmpty(configuration["Storage:ConnectionString"]))
        {
            errors.Add($"{owner} is Table: set Storage:TableServiceUri (the managed identity signs in) or Storage:ConnectionString (Azurite).");
        }
        else if (configuration["Storage:TableServiceUri"] is { Length: > 0 } uri && !Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            errors.Add($"Storage:TableServiceUri must be an absolute URL, e.g. https://<account>.table.core.windows.net/; it is '{uri}'.");
        }

        if (tableName is not { Length: >= 3 and <= 63 } || !char.IsAsciiLetter(tableName[0]) || !tableName.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"Inbound:ReplayTableName must be 3-63 letters and digits, starting with a letter; it is '{tableName}'.");
        }
    }
}
