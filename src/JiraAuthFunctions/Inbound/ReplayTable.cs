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
}
