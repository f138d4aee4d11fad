using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Signing;

/// <summary>Checks <see cref="SigningKeyOptions"/> at start: every rule runs, each message names the full key.</summary>
public sealed class SigningKeyOptionsValidator : IValidateOptions<SigningKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.PublicationInterval <= TimeSpan.Zero || options.KeyLifetime <= options.PublicationInterval)
        {
            errors.Add("Signing:KeyLifetime must be longer than Signing:PublicationInterval, which must be positive.");
        }

        if (options.MaxTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Signing:MaxTokenLifetime must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
