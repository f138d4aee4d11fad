namespace JiraAuthFunctions.Secrets;

/// <summary>Secret names follow Key Vault's rule (1-127 letters, digits and '-') so every name works in both stores.</summary>
public static class SecretNames
{
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 127 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public static void ThrowIfInvalid(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid secret name: use 1-127 letters, digits and '-'.", nameof(name));
        }
    }

    /// <summary>The default secret holding an integration's HS256/384/512 shared secret.</summary>
    public static string ForIntegration(string integration) => $"inbound-{integration}";
}
