using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Checks the connections of <see cref="JiraOptions"/> at start: every rule runs, each message names the
/// full key. The webhook settings are checked by <see cref="JiraWebhookOptionsValidator"/>,
/// what each Auth kind needs by <see cref="JiraConnectionOptionsValidator"/>.
/// </summary>
public sealed class JiraOptionsValidator : IValidateOptions<JiraOptions>
{
    public ValidateOptionsResult Validate(string? name, JiraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (connection, settings) in options.Connections)
        {
            var key = $"{JiraOptions.SectionName}:Connections:{connection}";
            if (connection.Length == 0 || !connection.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-'))
            {
                errors.Add($"{key}: connection names use lowercase letters, digits and '-' (they name secrets).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
