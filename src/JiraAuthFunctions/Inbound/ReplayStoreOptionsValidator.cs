using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// Checks the replay store settings at start, every rule, each message naming the full key and the fix:
/// a table store without a storage endpoint would otherwise fail only on the first request.
/// </summary>
public sealed class ReplayStoreOptionsValidator(IConfiguration configuration) : IValidateOptions<ReplayStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplayStoreOptions options)
    {
        var errors = new List<string>();
        if (!string.Equals(options.ReplayStore, ReplayStoreOptions.Memory, StringComparison.OrdinalIgnoreCase) && !options.UsesTable)
        {
            errors.Add($"Inbound:ReplayStore must be Memory or Table; it is '{options.ReplayStore}'.");
        }

        if (options.UsesTable)
        {
            ReplayTable.CheckSettings(configuration, "Inbound:ReplayStore", options.ReplayTableName, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
