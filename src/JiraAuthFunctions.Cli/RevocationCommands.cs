using System.CommandLine;
using JiraAuthFunctions.Inbound;

namespace JiraAuthFunctions.Cli;

/// <summary><c>revocation add|remove|list</c>: withdraw a token by its jti (or the jti hash seen in a log line).</summary>
internal static class RevocationCommands
{
    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The integration the token belongs to." };
        var jti = new Option<string?>("--jti") { Description = "The token's jti." };
        var jtiHash = new Option<string?>("--jti-hash") { Description = "The jti hash from a log line (16 hex digits)." };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the token expires; the entry is pruned after that. Default: kept." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record." };

        var add = new Command("add", "Revoke a token: the app refuses it within about a second.") { integration, jti, jtiHash, expires, reason };
        add.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!settings.TryGetIntegration(name, out _, context.Error) || !TryHash(parse, jti, jtiHash, context.Error, out var hash))
            {
                return 2;
            }

            await settings.Revocations(context.TimeProvider).AddAsync(new Revocation
            {
                Integration = name,
                JtiHash = hash,
                RevokedOn = context.TimeProvider.GetUtcNow(),
                ExpiresOn = parse.GetValue(expires),
                Reason = parse.GetValue(reason),
            }, cancellationToken);
            context.Output.WriteLine($"Revoked jti hash {hash} for {name}.");
            return 0;
        });

        var remove = new Command("remove", "Take a revocation back.") { integration, jti, jtiHash };
        remove.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings(parse);
            var name = parse.GetValue(integration)!;
            if (!TryHash(parse, jti, jtiHash, context.Error, out var hash))
            {
                return 2;
            }

            var removed = await settings.Revocations(context.TimeProvider).RemoveAsync(name, hash, cancellationToken);
            context.Output.WriteLine(removed ? $"Removed revocation {hash} for {name}." : $"No revocation {hash} for {name}.");
            return removed ? 0 : 1;
        });

        var list = new Command("list", "Show revoked tokens.");
        list.SetAction(async (parse, cancellationToken) =>
        {
            foreach (var entry in await context.Settings(parse).Revocations(context.TimeProvider).ListAsync(cancellationToken))
            {
                context.Output.WriteLine($"{entry.Integration}\t{entry.JtiHash}\trevoked {entry.RevokedOn:u}\texpires {(entry.ExpiresOn is { } e ? e.ToString("u") : "never")}\t{entry.Reason}");
            }

            return 0;
        });

        return new Command("revocation", "Revoke tokens before they expire (for long-lived rule tokens above all).") { add, remove, list };
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
}
