using System.Text;
using BenchmarkDotNet.Attributes;
using JiraAuthFunctions.Functions;
using JiraAuthFunctions.Hosting;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Benchmarks;

/// <summary>
/// One authenticated event through the app in process, without a server: the load test's request
/// (same body, same long-lived HS256 rule token) on a fresh <see cref="DefaultHttpContext"/>, into the
/// real JSON-lines sink (fsync included; the folder is on /dev/shm where there is one, so the disk
/// does not set the pace). Rows:
/// <list type="bullet">
/// <item><c>HttpContextOnly</c>: building the request and reading the response, nothing else: what
/// the harness itself costs, to subtract from the others (Kestrel pools its contexts).</item>
/// <item><c>Endpoint</c> (baseline): <see cref="EventsEndpoint.HandleAsync"/> called directly, as the
/// standalone host's route does. Allocated minus HttpContextOnly's is the pipeline's bytes per request.</item>
/// <item><c>WorkerAdapter</c>: the isolated worker's [Function] adapter
/// (<see cref="EventsFunctions.JiraEvents"/>) with a <see cref="FunctionContext"/> as the worker
/// passes it. Its difference from Endpoint is the adapter's own cost; the Functions host's proxy hop
/// in front of the worker is not measured (no host on this machine).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PipelineBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"webhookEvent":"jira:issue_updated","issue":{"key":"BENCH-1","fields":{"summary":"Deploy to staging"}}}""");

    private readonly string _data = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "jiraauth-bench-pipeline", Guid.NewGuid().ToString("N"));
    private IHost? _host;
    private EventsEndpoint? _endpoint;
    private BenchFunctionContext? _function;
    private string _authorization = "";

    [GlobalSetup]
    public void Setup()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
            Args = [$"--DataPath={_data}", "--Logging:LogLevel:Default=Warning", .. LoadServer.IntegrationArgs()],
        });
        builder.Logging.ClearProviders();
        builder.AddJiraAuthFunctions();
        _host = builder.Build();
        _endpoint = _host.Services.GetRequiredService<EventsEndpoint>();
        _function = new BenchFunctionContext(_host.Services);
        _authorization = "Bearer " + LoadServer.MintAsync(_host.Services.GetRequiredService<ISecretStore>(), TimeProvider.System).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host?.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Benchmark]
    public async Task<int> HttpContextOnly()
    {
        var context = Request();
        await context.Response.CompleteAsync();
        return context.Response.StatusCode;
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Endpoint()
    {
        var context = Request();
        await _endpoint!.HandleAsync(context, LoadServer.Integration);
        return await Accepted(context);
    }

    [Benchmark]
    public async Task<int> WorkerAdapter()
    {
        var context = Request();
        await EventsFunctions.JiraEvents(context.Request, LoadServer.Integration, _function!);
        return await Accepted(context);
    }

    private DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext { RequestServices = _host!.Services };
        var request = context.Request;
        request.Method = "POST";
        request.Path = "/api/jira/events/bench";
        request.ContentType = "application/json";
        request.Headers.Authorization = _authorization;
        request.Body = new MemoryStream(Body, writable: false);
        request.ContentLength = Body.Length;
        context.Response.Body = Stream.Null;
        return context;
    }

    private static async Task<int> Accepted(DefaultHttpContext context)
    {
        await context.Response.CompleteAsync();
        return context.Response.StatusCode == StatusCodes.Status202Accepted
            ? StatusCodes.Status202Accepted
            : throw new InvalidOperationException($"The benchmark request was answered {context.Response.StatusCode}, not 202.");
    }

    /// <summary>What the worker passes an HTTP function: the invocation id and the app's services.</summary>
    private sealed class BenchFunctionContext(IServiceProvider services) : FunctionContext
    {
        public override string InvocationId { get; } = "3f1a8f9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        public override string FunctionId => "JiraEvents";
        public override TraceContext TraceContext => throw new NotSupportedException();
        public override BindingContext BindingContext => throw new NotSupportedException();
        public override RetryContext RetryContext => throw new NotSupportedException();
        public override IServiceProvider InstanceServices { get; set; } = services;
        public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();
        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();
        public override Microsoft.Azure.Functions.Worker.IInvocationFeatures Features => throw new NotSupportedException();
    }
}
