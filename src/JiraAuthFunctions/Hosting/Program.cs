using JiraAuthFunctions.Hosting;

var app = HandlerApp.Build(args);
await app.RunAsync();

/// <summary>The custom handler's entry point (public for the in-memory test host).</summary>
public partial class Program;
