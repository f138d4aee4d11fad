using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Data.Tables;
using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The replay cache every instance shares: one row per accepted <c>jti</c> in an Azure Storage table,
/// partition = integration, row key = SHA-256 of the jti (any jti fits, none is stored). Inserting is
/// the check: the table accepts a row once (409 Conflict = seen before), so two instances racing with
/// the same token cannot both win. A row whose token has expired is taken over with its ETag, and
/// swept by the credentials job. The table is created by the deployment (infra/modules/storage.bicep),
/// not here: the SDK creates tables through reflection-based JSON, which Native AOT does not keep.
/// When the table cannot answer (or is missing: TableNotFound), the token is refused
/// (<see cref="ReplayStoreUnavailableException"/>, 503 with Retry-After): a replay check that did not
/// run must never accept.
/// </summary>
public sealed partial class TableReplayCache(TableClient table, TimeProvider timeProvider, ILogger logger) : IReplayCache
{
    public const string DefaultTableName = "replay";
    private const string ExpiresOn = ReplayTable.ExpiresOn;

    /// <summary>Rows deleted per sweep at most: expired rows are ignored anyway, the rest go next run.</summary>
    public const int MaxSweptPerRun = 5000;

    // The SDK builds each entity it reads with new T(): keep TableEntity's constructor under Native AOT trimming.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(integration, RowKey(jti)) { [ExpiresOn] = expiresOn };
        try
        {
            // At most a few rounds: each one loses only to a concurrent writer of the same jti or to the sweep.
            for (var round = 0; round < 3; round++)
            {
                if (await TryInsertAsync(row, cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                var held = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, [ExpiresOn], cancellationToken).ConfigureAwait(false);
                if (!held.HasValue)
                {
                    continue; // swept since the insert failed: insert again
                }

                if (held.Value!.GetDateTimeOffset(ExpiresOn) is not { } heldUntil || heldUntil > timeProvider.GetUtcNow())
                {
                    return false; // seen, and that token is still live: a replay
                }

                // The row is from a token that has expired: take it over, unless another request does first.
                try
                {
                    await table.UpdateEntityAsync(row, held.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    return false; // another request with this jti took it over first
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // swept meanwhile: insert again
                }
            }

            throw new ReplayStoreUnavailableException($"Table {table.Name}: the replay check did not settle for integration '{integration}'.");
        }
        catch (Exception ex) when (ReplayTable.IsStorageFailure(ex, cancellationToken))
        {
            var (status, code) = ReplayTable.Describe(ex);
            Log.ReplayStoreFailed(logger, table.Name, integration, status, code);
            throw new ReplayStoreUnavailableException($"Table {table.Name} could not check a token for integration '{integration}' (status {status}, code {code}).", ex);
        }
    }

    /// <summary>Deletes rows whose token has expired, at most <see cref="MaxSweptPerRun"/>; a row taken over meanwhile (new ETag) stays.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"ExpiresOn lt {timeProvider.GetUtcNow()}");
        var swept = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // gone already, or a new token holds it now
            }

            if (++swept >= MaxSweptPerRun)
            {
                break;
            }
        }
    }

    /// <summary>The row key for a jti (<see cref="ReplayTable.RowKey"/>).</summary>
    internal static string RowKey(string jti) => ReplayTable.RowKey(jti);

    private async Task<bool> TryInsertAsync(TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ReplayStoreFailed, LogLevel.Error,
            "Replay table {TableName} failed for {Integration} (status {Status}, code {ErrorCode}); the request was refused with 503 so the sender retries.",
            EventName = "ReplayStoreFailed")]
        public static partial void ReplayStoreFailed(ILogger logger, string tableName, string integration, int status, string errorCode);
    }
}
