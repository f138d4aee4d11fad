using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Data.Tables;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

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
/// run must never accept. Each table call's outcome goes to <see cref="ReplayTableHealth"/>
/// (<c>replay_store</c> in health), shared with the <see cref="TableDeliveryLog"/> on the same table.
/// </summary>
public sealed partial class TableReplayCache(TableClient table, TimeProvider timeProvider, ILogger logger, ReplayTableHealth? health = null) : IReplayCache, IDependencyHealth
{
    public const string DefaultTableName = InboundOptions.DefaultReplayTableName;
    private const string ExpiresOn = ReplayTable.ExpiresOn;

    /// <summary>Rows deleted per sweep at most: expired rows are ignored anyway, the rest go next run.</summary>
    public const int MaxSweptPerRun = 5000;

    private TableClient Table => table;

    private TimeProvider Clock => timeProvider;

    private ReplayTableHealth Health { get; } = health ?? new ReplayTableHealth(timeProvider);

    /// <summary>The table's last outcomes (<see cref="ReplayTableHealth"/>): a probe does not call the table.</summary>
    public ValueTask<DependencyState> CheckAsync(CancellationToken cancellationToken = default) => Health.CheckAsync(cancellationToken);

    // The SDK builds each entity it reads with new T(): keep TableEntity's constructor under Native AOT trimming.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask<bool> TryAddAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        await TakeAsync(integration, RowKey(jti), expiresOn, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>A row that lives <see cref="ReplayReservation.PendingHold"/> unless the request commits it (the token's expiry) or releases it (deleted, by its ETag).</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask<ReplayReservation?> TryReserveAsync(string integration, string jti, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var rowKey = RowKey(jti);
        var heldUntil = timeProvider.GetUtcNow() + ReplayReservation.PendingHold;
        return await TakeAsync(integration, rowKey, heldUntil, cancellationToken).ConfigureAwait(false) is { } etag
            ? new Reservation(this, integration, rowKey, heldUntil, etag, expiresOn)
            : null;
    }

    /// <summary>The check: places the row and answers its ETag, or null when a live row holds the jti (seen, or held by a request under way).</summary>
    private async Task<ETag?> TakeAsync(string integration, string rowKey, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            var taken = await TakeCoreAsync(integration, rowKey, until, cancellationToken).ConfigureAwait(false);
            Health.Succeeded();
            return taken;
        }
        catch (ReplayStoreUnavailableException ex)
        {
            Health.Failed(ex);
            throw;
        }
    }

    private async Task<ETag?> TakeCoreAsync(string integration, string rowKey, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var row = new TableEntity(integration, rowKey) { [ExpiresOn] = until };
        try
        {
            // At most a few rounds: each one loses only to a concurrent writer of the same jti or to the sweep.
            for (var round = 0; round < 3; round++)
            {
                if (await TryInsertAsync(row, cancellationToken).ConfigureAwait(false) is { } inserted)
                {
                    return inserted;
                }

                var held = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, [ExpiresOn], cancellationToken).ConfigureAwait(false);
                if (!held.HasValue)
                {
                    continue; // swept since the insert failed: insert again
                }

                if (held.Value!.GetDateTimeOffset(ExpiresOn) is not { } heldUntil || heldUntil > timeProvider.GetUtcNow())
                {
                    return null; // seen, and that token is still live (or a request holds it): a replay
                }

                // The row is from a token that has expired (or a hold that lapsed): take it over, unless another request does first.
                try
                {
                    return ETagOf(await table.UpdateEntityAsync(row, held.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false));
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    return null; // another request with this jti took it over first
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
            throw Failed(ex, integration, "could not check a token");
        }
    }

    private ReplayStoreUnavailableException Failed(Exception ex, string integration, string what, bool log = true)
    {
        var (status, code) = ReplayTable.Describe(ex);
        if (log)
        {
            Log.ReplayStoreFailed(logger, table.Name, integration, status, code);
        }

        return new ReplayStoreUnavailableException($"Table {table.Name} {what} for integration '{integration}' (status {status}, code {code}).", ex);
    }

    // Table responses carry the row's new ETag; without one the row could not be changed conditionally.
    private ETag ETagOf(Response response) =>
        response.Headers.ETag ?? throw new ReplayStoreUnavailableException($"Table {table.Name} answered without an ETag.");

    /// <summary>Deletes rows whose token has expired, at most <see cref="MaxSweptPerRun"/>; a row taken over meanwhile (new ETag) stays.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"ExpiresOn lt {timeProvider.GetUtcNow()}");
        try
        {
            await SweepCoreAsync(filter, cancellationToken).ConfigureAwait(false);
            Health.Succeeded();
        }
        catch (Exception ex) when (ReplayTable.IsStorageFailure(ex, cancellationToken))
        {
            Health.Failed(ex);
            throw;
        }
    }

    private async Task SweepCoreAsync(string filter, CancellationToken cancellationToken)
    {
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

    private async Task<ETag?> TryInsertAsync(TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            return ETagOf(await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    /// <summary>
    /// A held row, changed only with the ETag this request last saw: a 412 means the hold lapsed and
    /// another request took the row over, a 404 that the sweep deleted it (then it is free to take).
    /// </summary>
    private sealed class Reservation(TableReplayCache cache, string integration, string rowKey, DateTimeOffset heldUntil, ETag etag, DateTimeOffset expiresOn)
        : ReplayReservation(integration, expiresOn)
    {
        private DateTimeOffset _heldUntil = heldUntil;
        private ETag _etag = etag;

        public override DateTimeOffset HeldUntil => _heldUntil;

        // A renewal that cannot reach the table refuses the request (503) as the first check would: logged as that (600).
        protected override ValueTask<bool> RenewCoreAsync(CancellationToken cancellationToken) =>
            ReplaceAsync(cache.Clock.GetUtcNow() + PendingHold, logFailure: true, cancellationToken);

        // The event is stored by then: the endpoint logs a failed commit itself (605), not as a refusal.
        protected override ValueTask<bool> CommitCoreAsync(CancellationToken cancellationToken) =>
            ReplaceAsync(ExpiresOn, logFailure: false, cancellationToken);

        protected override async ValueTask ReleaseCoreAsync(CancellationToken cancellationToken)
        {
            try
            {
                await cache.Table.DeleteEntityAsync(Integration, rowKey, _etag, cancellationToken).ConfigureAwait(false);
                cache.Health.Succeeded();
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // gone already, or another request holds it now: not ours to delete (a missing table is no answer)
                if (ex.ErrorCode == "TableNotFound")
                {
                    cache.Health.Failed(ex);
                }
                else
                {
                    cache.Health.Succeeded();
                }
            }
            catch (Exception ex) when (ReplayTable.IsStorageFailure(ex, cancellationToken))
            {
                cache.Health.Failed(ex);
                throw cache.Failed(ex, Integration, "could not release a token", log: false);
            }
        }

        private async ValueTask<bool> ReplaceAsync(DateTimeOffset until, bool logFailure, CancellationToken cancellationToken)
        {
            try
            {
                ETag? next;
                try
                {
                    next = cache.ETagOf(await cache.Table.UpdateEntityAsync(new TableEntity(Integration, rowKey) { [ReplayTable.ExpiresOn] = until }, _etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false));
                    cache.Health.Succeeded();
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    cache.Health.Succeeded();
                    return false;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    next = await cache.TakeAsync(Integration, rowKey, until, cancellationToken).ConfigureAwait(false);
                }

                if (next is not { } taken)
                {
                    return false;
                }

                (_etag, _heldUntil) = (taken, until);
                return true;
            }
            catch (Exception ex) when (ex is not ReplayStoreUnavailableException && ReplayTable.IsStorageFailure(ex, cancellationToken))
            {
                cache.Health.Failed(ex);
                throw cache.Failed(ex, Integration, "could not record a token", logFailure);
            }
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
