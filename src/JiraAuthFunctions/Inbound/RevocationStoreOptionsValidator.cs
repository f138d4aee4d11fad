using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Checks the revocation store settings at start, every rule, each message naming the full key and the fix:
/// a table store without a storage endpoint would otherwise fail only when the list is first read.
/// </summary>
public sealed class RevocationStoreOptionsValidator(IConfiguration configuration) : IValidateOptions<RevocationStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RevocationStoreOptions options)
    {
        var errors = new List<string>();
        if (!string.Equals(options.RevocationStore, RevocationStoreOptions.File, StringComparison.OrdinalIgnoreCase) && !options.UsesTable)
        {
            errors.Add($"Inbound:RevocationStore must be File or Table; it is '{options.RevocationStore}'.");
        }

        if (options.UsesTable)
        {
            ReplayTable.CheckSettings(configuration, "Inbound:RevocationStore", options.ReplayTableName, errors);

            if (options.RevocationPollInterval < RevocationStoreOptions.MinPollInterval || options.RevocationPollInterval > RevocationStoreOptions.MaxPollInterval)
            {
                errors.Add($"Inbound:RevocationPollInterval must be between 00:00:01 and 00:01:00 (a revocation reaches every instance within it); it is '{options.RevocationPollInterval}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
