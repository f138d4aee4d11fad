using System.CommandLine;
using Azure.Data.Tables;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Configuration;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// <c>revocation add|remove|list</c>: withdraw a token by its jti (or the jti hash seen in a log line).
/// The target is the table every deployed instance reads (<c>--table-uri</c> with your Azure sign-in,
/// <c>--connection-string</c> for Azurite, or the app's settings when <c>Inbound:RevocationStore</c> is
/// <c>Table</c>), else the local file the app reads from the data folder. A store that cannot be read or
/// written is one line on stderr and exit code 1, never a stack trace; nothing is changed then.
/// </summary>
internal static class RevocationCommands
{
    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The integration the token belongs to." };
        var jti = new Option<string?>("--jti") { Description = "The token's jti." };
        var jtiHash = new Option<string?>("--jti-hash") { Description = "The jti hash from a log line (16 hex digits)." };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the token expires; the entry is dropped after that. Default: kept until removed." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record." };
        var target = new TargetOptions();

        var add = new Command("add", "Revoke a token: the app refuses it within its poll interval (a second with the local file, at most a minute with the table).") { integration, jti, jtiHash, expires, reason };
        add.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!target.TryOpen(parse, settings, context, out var store) || !TryHash(parse, jti, jtiHash, context.Error, out var hash) || !IsKnown(name, settings, store, context.Error))
            {
                return 2;
            }

            return await RunAsync(store, context, async () =>
            {
                await store.Store.AddAsync(new Revocation
                {
                    Integration = name,
                    JtiHash = hash,
                    RevokedOn = context.TimeProvider.GetUtcNow(),
                    ExpiresOn = parse.GetValue(expires),
                    Reason = parse.GetValue(reason),
                }, cancellationToken);
                context.Output.WriteLine(store.Shared
                    ? $"Revoked jti hash {hash} for {name} in {store.Name}: every instance refuses it within its poll interval (at most a minute)."
                    : $"Revoked jti hash {hash} for {name}.");
                return 0;
            });
        });

        var remove = new Command("remove", "Take a revocation back.") { integration, jti, jtiHash };
        remove.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!target.TryOpen(parse, settings, context, out var store) || !TryHash(parse, jti, jtiHash, context.Error, out var hash))
            {
                return 2;
            }

            return await RunAsync(store, context, async () =>
            {
                var removed = await store.Store.RemoveAsync(name, hash, cancellationToken);
                context.Output.WriteLine(removed ? $"Removed revocation {hash} for {name}." : $"No revocation {hash} for {name}.");
                return removed ? 0 : 1;
            });
        });

        var list = new Command("list", "Show revoked tokens.");
        list.SetAction(async (parse, cancellationToken) =>
        {
            if (!target.TryOpen(parse, context.Settings(parse), context, out var store))
            {
                return 2;
            }

            return await RunAsync(store, context, async () =>
            {
                foreach (var entry in await store.Store.ListAsync(cancellationToken))
                {
                    context.Output.WriteLine($"{entry.Integration}\t{entry.JtiHash}\trevoked {entry.RevokedOn:u}\texpires {(entry.ExpiresOn is { } e ? e.ToString("u") : "never")}\t{entry.Reason}");
                }

                return 0;
            });
        });

        var command = new Command("revocation", "Revoke tokens before they expire (for long-lived rule tokens above all).") { add, remove, list };
        target.AddTo(command);
        return command;
    }

    /// <summary>Runs a store operation; a store that cannot answer is one line and exit code 1.</summary>
    private static async Task<int> RunAsync(RevocationTarget store, CliContext context, Func<Task<int>> operation)
    {
        try
        {
            return await operation();
        }
        catch (RevocationsUnavailableException ex)
        {
            var hint = ex.InnerException is Azure.Identity.AuthenticationFailedException
                ? " Sign in with 'az login' (you need Storage Table Data Contributor on the account), or give --connection-string."
                : "";
            context.Error.WriteLine($"{ex.Message}{hint} Nothing was changed.");
            return 1;
        }
    }

    // The file target serves the integrations of this CLI's settings; the deployed app's integrations
    // are in its app settings, which a workstation does not have: for the table a well-formed name is enough.
    private static bool IsKnown(string name, CliSettings settings, RevocationTarget store, TextWriter error)
    {
        if (!store.Shared)
        {
            return settings.TryGetIntegration(name, out _, error);
        }

        if (name is { Length: >= 1 and <= 64 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            return true;
        }

        error.WriteLine($"'{name}' is not an integration name (1-64 lowercase letters, digits or '-': the URL segment after /api/jira/events/).");
        return false;
    }

    private static bool TryHash(ParseResult parse, Option<string?> jti, Option<string?> jtiHash, TextWriter error, out string hash)
    {
        var rawJti = parse.GetValue(jti);
        var rawHash = parse.GetValue(jtiHash);
        if ((rawJti is null) == (rawHash is null))
        {
            error.WriteLine("Give exactly one of --jti or --jti-hash.");
            hash = "";
            return false;
        }

        hash = rawJti is not null ? JtiHash.Compute(rawJti) : rawHash!.ToLowerInvariant();
        if (!JtiHash.IsValid(hash))
        {
            error.WriteLine("--jti-hash must be the 16 hex digits shown in the log.");
            return false;
        }

        return true;
    }

    /// <summary>The store a command works on, how to name it, and whether every instance reads it.</summary>
    private sealed record RevocationTarget(IRevocationStore Store, string Name, bool Shared);

    /// <summary><c>--table-uri</c>, <c>--connection-string</c>, <c>--table-name</c>: which store, for every subcommand.</summary>
    private sealed class TargetOptions
    {
        private readonly Option<string?> _tableUri = new("--table-uri") { Description = "The storage account's table endpoint, https://<account>.table.core.windows.net/ (signs in with your Azure credentials: az login). Default: the app's settings (Inbound:RevocationStore=Table with Storage:TableServiceUri), else the local file.", Recursive = true };
        private readonly Option<string?> _connectionString = new("--connection-string") { Description = "A storage connection string instead (Azurite).", Recursive = true };
        private readonly Option<string?> _tableName = new("--table-name") { Description = "The table (default: setting Inbound:ReplayTableName, else replay).", Recursive = true };

        public void AddTo(Command command)
        {
            command.Options.Add(_tableUri);
            command.Options.Add(_connectionString);
            command.Options.Add(_tableName);
        }

        public bool TryOpen(ParseResult parse, CliSettings settings, CliContext context, out RevocationTarget target)
        {
            var configuration = settings.Configuration;
            var rawTableUri = parse.GetValue(_tableUri);
            Uri? tableUri = null;
            if (rawTableUri is not null && (!Uri.TryCreate(rawTableUri, UriKind.Absolute, out tableUri) || tableUri.Scheme is not ("https" or "http")))
            {
                context.Error.WriteLine($"--table-uri must be an absolute URL, e.g. https://<account>.table.core.windows.net/; it is '{rawTableUri}'.");
                target = null!;
                return false;
            }

            var connectionString = parse.GetValue(_connectionString);
            var tableName = parse.GetValue(_tableName) ?? settings.Inbound.ReplayTableName;
            target = null!;
            if (rawTableUri is not null && connectionString is not null)
            {
                context.Error.WriteLine("Give at most one of --table-uri or --connection-string.");
                return false;
            }

            if (tableUri is null && connectionString is null && settings.Inbound.RevocationStore == RevocationStoreKind.Table)
            {
                // The app's own settings, as in Azure (Storage__TableServiceUri) or with Azurite (Storage__ConnectionString).
                var storage = settings.Storage;
                connectionString = storage.UsesConnectionString ? storage.ConnectionString : null;
                tableUri = connectionString is null && storage.TableServiceUri is { IsAbsoluteUri: true } uri ? uri : null;
                if (connectionString is null && tableUri is null)
                {
                    context.Error.WriteLine("Inbound:RevocationStore is Table: set Storage:TableServiceUri or Storage:ConnectionString, or give --table-uri.");
                    return false;
                }
            }

            TableClient? table;
            try
            {
                table = connectionString is not null ? new TableClient(connectionString, tableName, ClientOptions())
                    : tableUri is not null ? new TableServiceClient(tableUri, JiraAuthFunctions.Hosting.AzureCredentials.Create(managedIdentityClientId: null), ClientOptions()).GetTableClient(tableName)
                    : null;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // The SDK's message may quote the connection string: name the problem only.
                context.Error.WriteLine($"--connection-string is not a storage connection string ({ex.GetType().Name}).");
                return false;
            }

            if (table is null)
            {
                var file = settings.Revocations(context.TimeProvider);
                target = new RevocationTarget(file, $"file {file.FilePath}", Shared: false);
                return true;
            }

            var store = new TableRevocationStore(table);
            target = new RevocationTarget(store, store.Name, Shared: true);
            return true;
        }

        private static TableClientOptions ClientOptions()
        {
            var options = new TableClientOptions();
            options.Retry.MaxRetries = 2;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
            return options;
        }
    }

}
