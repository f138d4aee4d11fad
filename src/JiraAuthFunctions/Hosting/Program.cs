using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Options;

try
{
    var app = HandlerApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // Settings that do not bind or validate: each named by its full key, then a plain exit, so the
    // last lines an operator (or the platform's log stream) sees say what to fix.
    Console.Error.WriteLine("JiraAuthFunctions did not start: its settings are not valid.");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"  {failure}");
    }

    return 2;
}
catch (RevocationsUnavailableException ex)
{
    // An operator's problem (an unreadable revocation list) in one line, as logged with event 226: no stack trace.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

/// <summary>The custom handler's entry point (public for the in-memory test host).</summary>
public partial class Program;
