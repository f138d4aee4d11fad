using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;

try
{
    var app = HandlerApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (RevocationsUnavailableException ex)
{
    // An operator's problem (an unreadable revocation list) in one line, as logged with event 226: no stack trace.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

/// <summary>The custom handler's entry point (public for the in-memory test host).</summary>
public partial class Program;
