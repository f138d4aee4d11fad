using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Data.Tables;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Revocations every instance shares, in the replay table: partition <c>revoked:{integration}</c> (an
/// integration name has no ':', so no replay or delivery row shares it), row key = the jti hash (the
/// 16 hex digits on-call has from a log line; no jti is stored), columns <c>RevokedOn</c>,
/// <c>Reason</c>, <c>TokenExpiresOn</c> and, when the token's expiry is known, <c>ExpiresOn</c> = that
/// expiry + <see cref="SweepMargin"/>, by which the credentials job's sweep of the replay table removes
/// the row. A row without <c>ExpiresOn</c> is kept until removed. Written by the CLI, read by every
/// instance (<see cref="PolledRevocationList"/>). Every failure is a
/// <see cref="RevocationsUnavailableException"/> whose one-line message names the table and the account,
/// never a key. This file is compiled into the CLI too (linked from its project), so it uses nothing of
/// the app but Core.
/// </summary>
internal sealed class TableRevocationStore(TableClient table) : IRevocationStore
{
    public const string PartitionPrefix = "revoked:";

    /// <summary>Rows outlive their token by the largest <c>Inbound:ClockSkew</c>: a token is accepted up to that long after <c>exp</c>.</summary>
    public static readonly TimeSpan SweepMargin = TimeSpan.FromMinutes(5);

    private const string PartitionEnd = "revoked;"; // ';' follows ':': the range holds exactly the "revoked:" partitions
    private const string ExpiresOn = "ExpiresOn"; // the replay table's sweep column
    private const string TokenExpiresOn = "TokenExpiresOn";
    private const string RevokedOn = "RevokedOn";
    private const string Reason = "Reason";

    /// <summary>How logs, health and the CLI name this store.</summary>
    public string Name => $"table {table.Name} (account {table.AccountName})";

    // The SDK builds each entity it reads with new T(): keep TableEntity's constructor under Native AOT trimming.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
    public async Task<IReadOnlyList<Revocation>> ListAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {PartitionPrefix} and PartitionKey lt {PartitionEnd}");
        var entries = new List<Revocation>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", RevokedOn, TokenExpiresOn, Reason], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new Revocation
                {
                    Integration = row.PartitionKey[PartitionPrefix.Length..],
                    JtiHash = row.RowKey,
                    RevokedOn = row.GetDateTimeOffset(RevokedOn) ?? default,
                    ExpiresOn = row.GetDateTimeOffset(TokenExpiresOn),
                    Reason = row.GetString(Reason),
                });
            }
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("read", ex);
        }

        return entries;
    }

    public async Task AddAsync(Revocation revocation, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(Partition(revocation.Integration), revocation.JtiHash)
        {
            [RevokedOn] = revocation.RevokedOn,
            [Reason] = revocation.Reason,
        };
        if (revocation.ExpiresOn is { } expires)
        {
            row[TokenExpiresOn] = expires;
            row[ExpiresOn] = expires + SweepMargin;
        }

        try
        {
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("written", ex);
        }
    }

    public async Task<bool> RemoveAsync(string integration, string jtiHash, CancellationToken cancellationToken = default)
    {
        try
        {
            // The SDK answers a missing row with its 404 response rather than an exception.
            var response = await table.DeleteEntityAsync(Partition(integration), jtiHash, ETag.All, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode != "TableNotFound")
        {
            return false;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Unavailable("written", ex);
        }
    }

    internal static string Partition(string integration) => PartitionPrefix + integration;

    private RevocationsUnavailableException Unavailable(string verb, Exception ex) => new($"Revocation {Name} could not be {verb} ({Describe(ex)}).", ex);

    /// <summary>The table did not answer, refused us, or we could not sign in; not the caller cancelling.</summary>
    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or HttpRequestException or AggregateException or TimeoutException or Azure.Identity.AuthenticationFailedException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    // Status and error code, or the kind of failure: never the SDK's message, which may quote the request.
    private static string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: > 0 } failed => $"status {failed.Status}, code {failed.ErrorCode ?? "none"}",
        Azure.Identity.AuthenticationFailedException => $"could not sign in: {ex.GetType().Name}",
        RequestFailedException or HttpRequestException or AggregateException => $"no answer: {(ex.InnerException ?? ex).GetType().Name}",
        _ => $"no answer: {ex.GetType().Name}",
    };
}
