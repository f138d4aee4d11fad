using System.CommandLine;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Storage;
using Microsoft.Extensions.Configuration;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// <c>jiraauth</c>: token mint, revocation add/remove/list, secret rotate/list. It reads the app's
/// settings (appsettings.json, appsettings.{environment}.json, then environment variables, as the app does) and works on the
/// same data folder, so what it writes the running app sees.
/// </summary>
public static class CliApp
{
    /// <param name="input">Standard input (for <c>token mint --secret-stdin</c>); the console's when null.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider timeProvider, TextReader? input = null)
    {
        var dataOption = new Option<string?>("--data") { Description = "The data folder (default: setting DataPath, else ./data).", Recursive = true };
        var settingsOption = new Option<string?>("--settings") { Description = "Another settings file (JSON, shaped like appsettings.json), read after the embedded ones and before environment variables.", Recursive = true };
        var root = new RootCommand("JiraAuthFunctions admin CLI: mint test tokens, revoke tokens, rotate local shared secrets, manage token-endpoint clients, explain a refusal.");
        root.Options.Add(dataOption);
        root.Options.Add(settingsOption);

        var context = new CliContext(output, error, input ?? Console.In, timeProvider, parse => LoadSettings(parse.GetValue(dataOption), parse.GetValue(settingsOption)));
        root.Subcommands.Add(TokenCommands.Create(context));
        root.Subcommands.Add(RevocationCommands.Create(context));
        root.Subcommands.Add(SecretCommands.Create(context));
        root.Subcommands.Add(ClientCommands.Create(context));
        root.Subcommands.Add(CheckCommands.Create(context));

        var parseResult = root.Parse(args);
        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (IsOperatorError(ex))
        {
            // A corrupt file, bad settings, an unreachable store: what is wrong and where, never a stack trace.
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    private static bool IsOperatorError(Exception ex) => ex is
        Microsoft.Extensions.Options.OptionsValidationException or
        SecretStoreUnavailableException or
        System.Text.Json.JsonException or
        InvalidDataException or
        IOException or
        UnauthorizedAccessException;

    private static CliSettings LoadSettings(string? dataOverride, string? settingsFile)
    {
        // The app's own rule: an explicit environment wins, else Local (the CLI is a workstation tool).
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } d ? d
            : Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } a ? a
            : "Local";
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json"), optional: true)
            .AddJsonFile(settingsFile is null ? "(none)" : Path.GetFullPath(settingsFile), optional: settingsFile is null)
            .AddEnvironmentVariables()
            .Build();
        var section = configuration.GetSection(InboundOptions.SectionName);
        var errors = JiraAuthFunctions.Configuration.SettingsCheck.Check(section, typeof(InboundOptions));
        if (errors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(InboundOptions.SectionName, typeof(InboundOptions), errors);
        }

        var inbound = new InboundOptions();
        section.Bind(inbound);
        var signing = new JiraAuthFunctions.Signing.SigningKeyOptions();
        configuration.GetSection(JiraAuthFunctions.Signing.SigningKeyOptions.SectionName).Bind(signing);
        var data = Path.GetFullPath(dataOverride ?? (configuration["DataPath"] is { Length: > 0 } p ? p : "data"));
        return new CliSettings(inbound, data, configuration) { Signing = signing };
    }
}

internal sealed record CliSettings(InboundOptions Inbound, string DataPath, IConfiguration Configuration)
{
    /// <summary>The app's Storage section, checked as the app checks it; read only by the commands that reach a table.</summary>
    public StorageOptions Storage
    {
        get
        {
            var section = Configuration.GetSection(StorageOptions.SectionName);
            var errors = JiraAuthFunctions.Configuration.SettingsCheck.Check(section, typeof(StorageOptions));
            var storage = new StorageOptions();
            if (errors.Count == 0)
            {
                section.Bind(storage);
                errors.AddRange(new StorageOptionsValidator().Validate(null, storage).Failures ?? []);
            }

            return errors.Count == 0 ? storage : throw new Microsoft.Extensions.Options.OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), errors);
        }
    }

    /// <summary>The app's signing-key settings (the token endpoint's access tokens verify against those keys).</summary>
    public JiraAuthFunctions.Signing.SigningKeyOptions Signing { get; init; } = new();

    public FileSecretStore SecretStore(TimeProvider timeProvider) => new(Path.Combine(DataPath, "secrets.json"), timeProvider);

    public FileRevocationList Revocations(TimeProvider timeProvider) =>
        new(Path.Combine(DataPath, "revocations.json"), timeProvider, Microsoft.Extensions.Logging.Abstractions.NullLogger<FileRevocationList>.Instance);

    public bool TryGetIntegration(string name, out IntegrationOptions integration, TextWriter error)
    {
        if (Inbound.Integrations.TryGetValue(name, out integration!))
        {
            return true;
        }

        error.WriteLine($"No integration '{name}' is configured. Configured: {string.Join(", ", Inbound.Integrations.Keys)}.");
        return false;
    }
}

internal sealed record CliContext(TextWriter Output, TextWriter Error, TextReader Input, TimeProvider TimeProvider, Func<ParseResult, CliSettings> Settings);
