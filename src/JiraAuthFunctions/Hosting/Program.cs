using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.Options;

try
{
    var app = HandlerApp.Build(args);
    await app.RunAsync();
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

return 0;

/// <summary>The custom handler's entry point (public for the in-memory test host).</summary>
public partial class Program;
