using JiraAuthFunctions.Functions;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Replay;

try
{
    if (FunctionsWorker.IsStartedByFunctionsHost(args))
    {
        await FunctionsWorker.Build(args).RunAsync();
    }
    else
    {
        await HandlerApp.Build(args).RunAsync();
    }

    return 0;
}
catch (Exception ex) when (RunsAsItsOwnProcess() && SettingsFailures(ex) is { Count: > 0 } failures)
{
    // Settings that do not bind or validate: each named by its full key, then a plain exit, so the
    // last lines an operator (or the platform's log stream) sees say what to fix.
    Console.Error.WriteLine("JiraAuthFunctions did not start: its settings are not valid.");
    foreach (var failure in failures)
    {
        Console.Error.WriteLine($"  {failure}");
    }

    return 2;
}
catch (RevocationsUnavailableException ex) when (RunsAsItsOwnProcess())
{
    // An operator's problem (an unreadable revocation list) in one line, as logged with event 226: no stack trace.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

// Every section's failures: the host throws one OptionsValidationException for one bad section, an
// AggregateException of them for several; anything else is not a settings problem (empty).
static List<string> SettingsFailures(Exception ex) => ex switch
{
    OptionsValidationException options => [.. options.Failures],
    AggregateException { InnerExceptions: var inner } when inner.All(e => e is OptionsValidationException) =>
        [.. inner.Cast<OptionsValidationException>().SelectMany(e => e.Failures)],
    _ => [],
};

// A test host (WebApplicationFactory) runs this entry point inside its own process and needs the
// exception itself; only the app's own process turns it into lines for an operator and an exit code.
static bool RunsAsItsOwnProcess() => System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly;

/// <summary>The entry point of both hosts (public for the in-memory test host).</summary>
public partial class Program;
