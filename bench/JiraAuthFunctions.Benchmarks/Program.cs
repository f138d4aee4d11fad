using BenchmarkDotNet.Running;
using JiraAuthFunctions.Benchmarks;

// bench/run.sh drives every part; each can also be run alone:
//   validation [BenchmarkDotNet args]   per-token validation cost against raw crypto, and X-Hub-Signature against raw HMAC
//   pipeline [BenchmarkDotNet args]   one event through the endpoint and the worker's adapter in process, bytes per request
//   allocations [--requests N] [--top N] [--sites]   bytes per request of the pipeline by type (allocation sampling), the harness apart; --sites: by allocating frame, with stacks
//   serve --auth on|off --port P --data D [--log LEVEL]   the app for a load test (off is this benchmark's switch only)
//   coldstart --exe PATH [--runs N]   process start to the first authenticated 202
return args.FirstOrDefault() switch
{
    "validation" => RunValidation(args[1..]),
    "pipeline" => RunPipeline(args[1..]),
    "allocations" => await AllocationProfile.RunAsync(args[1..]),
    "serve" => await LoadServer.RunAsync(args[1..]),
    "coldstart" => await ColdStart.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunValidation(string[] args)
{
    BenchmarkRunner.Run([typeof(ValidationBenchmarks), typeof(WebhookSignatureBenchmarks)], args: args);
    return 0;
}

static int RunPipeline(string[] args)
{
    BenchmarkRunner.Run<PipelineBenchmarks>(args: args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: JiraAuthFunctions.Benchmarks validation|pipeline|allocations|serve|coldstart ... (see bench/run.sh)");
    return 2;
}
