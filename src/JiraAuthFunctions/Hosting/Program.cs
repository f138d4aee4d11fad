using JiraAuthFunctions.Functions;
using JiraAuthFunctions.Hosting;

if (FunctionsWorker.IsStartedByFunctionsHost(args))
{
    await FunctionsWorker.Build(args).RunAsync();
}
else
{
    await HandlerApp.Build(args).RunAsync();
}

/// <summary>The entry point of both hosts (public for the in-memory test host).</summary>
public partial class Program;
