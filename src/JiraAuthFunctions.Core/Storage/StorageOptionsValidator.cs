using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Storage;

/// <summary>
/// Checks the <c>Storage</c> section at start: every URL given is an absolute http(s) URL, whoever
/// uses it. Which services must be reachable is checked by their users (<see cref="StorageOptions.Require"/>).
/// URLs are not echoed: one may carry a SAS token.
/// </summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var service in Enum.GetValues<StorageService>())
        {
            if (options.ServiceUri(service) is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("https" or "http")))
            {
                errors.Add($"{StorageOptions.ServiceUriKey(service)} must be an absolute URL, e.g. https://<account>.{service.ToString().ToLowerInvariant()}.core.windows.net/.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
