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
            if (string.IsNullOrEmpty(configuration["Storage:TableServiceUri"]) && string.IsNullOrEmpty(configuration["Storage:ConnectionString"]))
            {
                errors.Add("Inbound:RevocationStore is Table: set Storage:TableServiceUri (the managed identity signs in) or Storage:ConnectionString (Azurite).");
            }
            else if (configuration["Storage:TableServiceUri"] is { Length: > 0 } uri && !Uri.TryCreate(uri, UriKind.Absolute, out _))
            {
                errors.Add($"Storage:TableServiceUri must be an absolute URL, e.g. https://<account>.table.core.windows.net/; it is '{uri}'.");
            }

            if (options.ReplayTableName is not { Length: >= 3 and <= 63 } table || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add($"Inbound:ReplayTableName must be 3-63 letters and digits, starting with a letter; it is '{options.ReplayTableName}'.");
            }

            if (options.RevocationPollInterval < RevocationStoreOptions.MinPollInterval || options.RevocationPollInterval > RevocationStoreOptions.MaxPollInterval)
            {
                errors.Add($"Inbound:RevocationPollInterval must be between 00:00:01 and 00:01:00 (a revocation reaches every instance within it); it is '{options.RevocationPollInterval}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
