using System.Diagnostics.CodeAnalysis;
using Azure.Data.Tables;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// The accepted deliveries every instance shares, in the replay table: partition
/// <c>delivery:{integration}</c> (an integration name has no ':', so no replay row shares it), row
/// key = SHA-256 of the delivery key, the first event id, and an <c>ExpiresOn</c> after
/// <see cref="MemoryDeliveryLog.DefaultRetention"/> so the credentials job's sweep removes it. A
/// retry that reaches another instance is answered with the first event id too. When the table
/// cannot answer, the delivery counts as new: the worst outcome is one more sink write, never a
/// lost event (event id 601). Each call's outcome goes to the replay store's health when one is given.
/// </summary>
public sealed partial class TableDeliveryLog(TableClient table, TimeProvider timeProvider, ILogger logger, ReplayTableHealth? health = null) : IDeliveryLog
{
    private const string ExpiresOn = ReplayTable.ExpiresOn;
    private const string EventId = "EventId";

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async ValueTask<string?> FindAsync(string integration, string deliveryKey, CancellationToken cancellationToken = default)
    {
        try
        {
            var held = await table.GetEntityIfExistsAsync<TableEntity>(Partition(integration), RowKey(deliveryKey), [ExpiresOn, EventId], cancellationToken).ConfigureAwait(false);
            health?.Succeeded();
            return held.HasValue && held.Value!.GetDateTimeOffset(ExpiresOn) > timeProvider.GetUtcNow()
                ? held.Value.GetString(EventId)
                : null;
        }
        catch (Exception ex) when (ReplayTable.IsStorageFailure(ex, cancellationToken))
        {
            LogFailure(ex, integration, "find");
            return null;
        }
    }

    public async ValueTask RecordAsync(string integration, string deliveryKey, string eventId, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(Partition(integration), RowKey(deliveryKey))
        {
            [EventId] = eventId,
            [ExpiresOn] = timeProvider.GetUtcNow() + MemoryDeliveryLog.DefaultRetention,
        };
        try
        {
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            health?.Succeeded();
        }
        catch (Exception ex) when (ReplayTable.IsStorageFailure(ex, cancellationToken))
        {
            LogFailure(ex, integration, "record");
        }
    }

    internal static string Partition(string integration) => "delivery:" + integration;

    private static string RowKey(string deliveryKey) => ReplayTable.RowKey(deliveryKey);

    private void LogFailure(Exception ex, string integration, string operation)
    {
        health?.Failed(ex);
        var (status, code) = ReplayTable.Describe(ex);
        Log.DeliveryLogFailed(logger, table.Name, operation, integration, status, code);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DeliveryLogFailed, LogLevel.Warning,
            "Delivery log in table {TableName} failed to {Operation} for {Integration} (status {Status}, code {ErrorCode}); the delivery counts as new, so a retry may be stored twice.",
            EventName = "DeliveryLogFailed")]
        public static partial void DeliveryLogFailed(ILogger logger, string tableName, string operation, string integration, int status, string errorCode);
    }
}
