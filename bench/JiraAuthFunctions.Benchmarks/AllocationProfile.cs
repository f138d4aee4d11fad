using System.Diagnostics.Tracing;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// Bytes allocated per request by type: the pipeline benchmark's Endpoint request, run many times
/// with the runtime's allocation sampling on (an AllocationTick event about every 100 KB, naming the
/// type of the object that crossed the mark: over many requests, a type's share of ticks is its
/// share of bytes). <c>allocations [--requests N]</c>.
/// </summary>
internal static class AllocationProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = int.Parse(LoadServer.Arg(args, "--requests") ?? "20000", System.Globalization.CultureInfo.InvariantCulture);
        var pipeline = new PipelineBenchmarks();
        pipeline.Setup();
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                await pipeline.Endpoint();
            }

            using var ticks = new AllocationTicks();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < requests; i++)
            {
                await pipeline.Endpoint();
            }

            var total = GC.GetTotalAllocatedBytes(precise: true) - before;
            var harness = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < requests; i++)
            {
                await pipeline.HttpContextOnly();
            }

            harness = GC.GetTotalAllocatedBytes(precise: true) - harness;
            Console.WriteLine($"requests: {requests}; allocated per request: {total / requests} B, of which the harness (HttpContextOnly) {harness / requests} B: the pipeline {(total - harness) / requests} B");
            var sampled = ticks.ByType.Values.Sum();
            Console.WriteLine("| type (sampled, AllocationTick) | share | ~bytes/request |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (type, bytes) in ticks.ByType.OrderByDescending(t => t.Value).Take(int.Parse(LoadServer.Arg(args, "--top") ?? "25", System.Globalization.CultureInfo.InvariantCulture)))
            {
                Console.WriteLine($"| {type} | {100.0 * bytes / sampled:F1}% | {(double)total / requests * bytes / sampled:F0} |");
            }
        }
        finally
        {
            pipeline.Cleanup();
        }

        return 0;
    }

    private sealed class AllocationTicks : EventListener
    {
        public Dictionary<string, long> ByType { get; } = [];

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || e.Payload is null)
            {
                return;
            }

            var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100 * 1024;
            lock (ByType)
            {
                ByType[type] = ByType.GetValueOrDefault(type) + amount;
            }
        }
    }
}
