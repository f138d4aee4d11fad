using JiraAuthFunctions.Storage;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Checks where <see cref="InboundOptions"/> keeps jtis and revocations, at start, every rule, each
/// message naming the full key and the fix: a table store without a storage endpoint would otherwise
/// fail only on the first request. The replay store and the revocation store share the replay table.
/// </summary>
public sealed class InboundStoresValidator(IOptions<StorageOptions> storage) : IValidateOptions<InboundOptions>
{
    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string root = InboundOptions.SectionName;
        var errors = new List<string>();
        var replayTable = options.ReplayStore == ReplayStoreKind.Table;
        var revocationTable = options.RevocationStore == RevocationStoreKind.Table;
        if (replayTable || revocationTable)
        {
            // A Storage section that does not bind or validate is reported by its own validator.
            if (StorageOptions.IfValid(storage) is { } settings)
            {
                if (replayTable)
                {
                    settings.Require(StorageService.Table, $"{root}:ReplayStore is Table", errors);
                }

                if (revocationTable)
                {
                    settings.Require(StorageService.Table, $"{root}:RevocationStore is Table", errors);
                }
            }

            var table = options.ReplayTableName;
            if (table is not { Length: >= 3 and <= 63 } || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add($"{root}:ReplayTableName must be 3-63 letters and digits, starting with a letter; it is '{table}'.");
            }
        }

        if (revocationTable && (options.RevocationPollInterval < InboundOptions.MinRevocationPollInterval || options.RevocationPollInterval > InboundOptions.MaxRevocationPollInterval))
        {
            errors.Add($"{root}:RevocationPollInterval must be between 00:00:01 and 00:01:00 (a revocation reaches every instance within it); it is '{options.RevocationPollInterval}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
