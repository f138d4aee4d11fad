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
            if (string.IsNullOrEmpty(configuration["Storage:TableServiceUri"]) && string.IsNullOrEmpty(configuration["Storage:ConnectionString"]))
            {
                errors.Add("Inbound:ReplayStore is Table: set Storage:TableServiceUri (the managed identity signs in) or Storage:ConnectionString (Azurite).");
            }
            else if (configuration["Storage:TableServiceUri"] is { Length: > 0 } uri && !Uri.TryCreate(uri, UriKind.Absolute, out _))
            {
                errors.Add($"Storage:TableServiceUri must be an absolute URL, e.g. https://<account>.table.core.windows.net/; it is '{uri}'.");
            }

            if (!IsValidTableName(options.ReplayTableName))
            {
                errors.Add($"Inbound:ReplayTableName must be 3-63 letters and digits, starting with a letter; it is '{options.ReplayTableName}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsValidTableName(string? name) =>
        name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}
