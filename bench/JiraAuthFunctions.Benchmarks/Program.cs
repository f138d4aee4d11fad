using BenchmarkDotNet.Running;
using JiraAuthFunctions.Benchmarks;

// bench/run.sh drives every part; each can also be run alone:
//   validation [BenchmarkDotNet args]   per-token validation cost against raw crypto, and X-Hub-Signature against raw HMAC
//   serve --auth on|off --port P --data D   the app for a load test (off is this benchmark's switch only)
//   coldstart --exe PATH [--runs N]   process start to the first authenticated 202
return args.FirstOrDefault() switch
{
    "validation" => RunValidation(args[1..]),
    "serve" => await LoadServer.RunAsync(args[1..]),
    "coldstart" => await ColdStart.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunValidation(string[] args)
{
    BenchmarkRunner.Run([typeof(ValidationBenchmarks), typeof(WebhookSignatureBenchmarks)], args: args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: JiraAuthFunctions.Benchmarks validation|serve|coldstart ... (see bench/run.sh)");
    return 2;
}
