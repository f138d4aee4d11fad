using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// Bytes allocated per request by type: the pipeline benchmark's Endpoint request, run many times
/// with the runtime's randomized allocation sampling on (.NET 10's AllocationSampled event: an
/// object is picked with a probability that grows with its size, about one per 100 KB, at random
/// points, so a type's sampled bytes estimate its bytes without bias; the older AllocationTick
/// fires at fixed 100 KB marks, which a request that allocates the same sequence every time aliases
/// onto the same few objects). The total per request is exact (GC.GetTotalAllocatedBytes).
/// <c>allocations [--requests N] [--top N] [--sites]</c>.
/// </summary>
/// <remarks>
/// The harness's own bytes (<c>HttpContextOnly</c>: a DefaultHttpContext and its feature
/// dictionaries, which Kestrel pools) are sampled the same way and shown beside each type, so the
/// pipeline's column is the endpoint's. <c>--sites</c> samples through an EventPipe session on this
/// process instead, with call stacks: bytes by type, the frame that allocated and the first app frame
/// above it (a String is a token copy or an event id, which the type alone does not say).
/// </remarks>
internal static class AllocationProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = int.Parse(LoadServer.Arg(args, "--requests") ?? "20000", System.Globalization.CultureInfo.InvariantCulture);
        var top = int.Parse(LoadServer.Arg(args, "--top") ?? "25", System.Globalization.CultureInfo.InvariantCulture);
        var pipeline = new PipelineBenchmarks();
        pipeline.Setup();
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                await pipeline.Endpoint();
            }

            if (args.Contains("--sites"))
            {
                await BySiteAsync(pipeline, requests, top);
                return 0;
            }

            Dictionary<string, double> endpointSampled, harnessSampled;
            long total, harness;
            using (var ticks = new AllocationTicks())
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < requests; i++)
                {
                    await pipeline.Endpoint();
                }

                total = GC.GetTotalAllocatedBytes(precise: true) - before;
                endpointSampled = ticks.Snapshot();
            }

            using (var ticks = new AllocationTicks())
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < requests; i++)
                {
                    await pipeline.HttpContextOnly();
                }

                harness = GC.GetTotalAllocatedBytes(precise: true) - before;
                harnessSampled = ticks.Snapshot();
            }

            Console.WriteLine($"requests: {requests}; allocated per request: {total / requests} B, of which the harness (HttpContextOnly) {harness / requests} B: the pipeline {(total - harness) / requests} B");
            // The sampled bytes scaled to the exact totals: the estimate keeps each type's share.
            var endpointScale = (double)total / requests / Math.Max(1, endpointSampled.Values.Sum());
            var harnessScale = (double)harness / requests / Math.Max(1, harnessSampled.Values.Sum());
            Console.WriteLine("| type (sampled, AllocationSampled) | ~bytes/request | of which the harness | the pipeline |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (type, amount) in endpointSampled.OrderByDescending(t => t.Value).Take(top))
            {
                var all = amount * endpointScale;
                var own = harnessSampled.GetValueOrDefault(type) * harnessScale;
                Console.WriteLine($"| {type} | {all:F0} | {own:F0} | {all - own:F0} |");
            }
        }
        finally
        {
            pipeline.Cleanup();
        }

        return 0;
    }

    // The runtime provider's AllocationSampled event and its keyword (.NET 10).
    private const long AllocationSamplingKeyword = 0x80000000000;
    private const int AllocationSampledId = 303;
    private const double MeanSamplingDistance = 100 * 1024;

    /// <summary>What one sampled object of <paramref name="size"/> bytes stands for: the bytes it estimates (inverse of its chance to be picked).</summary>
    private static double Weight(double size) => size / (1 - Math.Exp(-size / MeanSamplingDistance));

    /// <summary>The Endpoint request under an EventPipe session on this process (AllocationSampled with stacks), read back with TraceEvent.</summary>
    private static async Task BySiteAsync(PipelineBenchmarks pipeline, int requests, int top)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"jiraauth-allocations-{Environment.ProcessId}.nettrace");
        try
        {
            var client = new DiagnosticsClient(Environment.ProcessId);
            var keywords = AllocationSamplingKeyword | (long)(ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader);
            using (var session = client.StartEventPipeSession([new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, keywords)], requestRundown: true, circularBufferMB: 256))
            {
                await using var file = File.Create(trace);
                var copy = session.EventStream.CopyToAsync(file);
                for (var i = 0; i < requests; i++)
                {
                    await pipeline.Endpoint();
                }

                await session.StopAsync(CancellationToken.None);
                await copy;
            }

            var byType = new Dictionary<string, double>();
            var bySite = new Dictionary<string, double>();
            double sampled = 0;
            using (var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(trace)))
            {
                foreach (var e in log.Events)
                {
                    if ((int)e.ID != AllocationSampledId || e.ProviderGuid != ClrTraceEventParser.ProviderGuid || !TryReadSample(e.EventData(), out var type, out var size))
                    {
                        continue;
                    }

                    var weight = Weight(size);
                    sampled += weight;
                    byType[type] = byType.GetValueOrDefault(type) + weight;
                    string? allocating = null, app = null;
                    for (var frame = e.CallStack(); frame is not null && app is null; frame = frame.Caller)
                    {
                        var name = frame.CodeAddress.FullMethodName ?? "?";
                        allocating ??= name;
                        app = name.StartsWith("JiraAuthFunctions.", StringComparison.Ordinal) ? name : null;
                    }

                    // The next request starts inside the last one's completion: the harness's frames say whose an object is.
                    var owner = app is null || app.StartsWith("JiraAuthFunctions.Benchmarks.", StringComparison.Ordinal) ? "(the harness)" : Short(app);
                    var site = $"{type} ← {Short(allocating)} ← {owner}";
                    bySite[site] = bySite.GetValueOrDefault(site) + weight;
                }
            }

            // The ticks sample the whole process (the harness too): shares of the run's sampled bytes.
            Console.WriteLine($"requests: {requests}; sampled objects stand for {sampled / requests:F0} B per request (harness included)");
            Console.WriteLine("| type | ~bytes/request |");
            Console.WriteLine("|---|---:|");
            foreach (var (type, amount) in byType.OrderByDescending(t => t.Value).Take(top))
            {
                Console.WriteLine($"| {type} | {amount / requests:F0} |");
            }

            Console.WriteLine();
            Console.WriteLine("| type ← allocating frame ← first app frame | ~bytes/request |");
            Console.WriteLine("|---|---:|");
            foreach (var (site, amount) in bySite.OrderByDescending(t => t.Value).Take(top * 2))
            {
                Console.WriteLine($"| {site} | {amount / requests:F0} |");
            }
        }
        finally
        {
            File.Delete(trace);
            File.Delete(Path.ChangeExtension(trace, ".etlx"));
        }

        // AllocationSampled: AllocationKind (u32), ClrInstanceID (u16), TypeID (pointer), TypeName
        // (UTF-16, zero-terminated), Address (pointer), ObjectSize (u64), SampledByteOffset (u64).
        // TraceEvent 3.1 predates the event, so it is read by hand.
        static bool TryReadSample(byte[] data, out string type, out double size)
        {
            const int NameAt = 4 + 2 + 8;
            var end = NameAt;
            while (end + 1 < data.Length && (data[end] != 0 || data[end + 1] != 0))
            {
                end += 2;
            }

            type = System.Text.Encoding.Unicode.GetString(data, NameAt, end - NameAt);
            var sizeAt = end + 2 + 8;
            size = sizeAt + 8 <= data.Length ? BitConverter.ToUInt64(data, sizeAt) : 0;
            return size > 0;
        }

        static string Short(string? method) => method is null ? "?" : method.IndexOf('(') is var paren and > 0 ? method[..paren] : method;
    }

    private sealed class AllocationTicks : EventListener
    {
        private readonly Dictionary<string, double> _byType = [];

        public Dictionary<string, double> Snapshot()
        {
            lock (_byType)
            {
                return new Dictionary<string, double>(_byType);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)AllocationSamplingKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "AllocationSampled" || e.Payload is null)
            {
                return;
            }

            var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var size = e.PayloadNames.IndexOf("ObjectSize") is var a and >= 0 ? Convert.ToDouble(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 0;
            lock (_byType)
            {
                _byType[type] = _byType.GetValueOrDefault(type) + Weight(size);
            }
        }
    }
}
