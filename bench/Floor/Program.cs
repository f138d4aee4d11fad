using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Buffers;
using System.Threading.Channels;

// The floor (see Floor.csproj): Floor --port P --data D. Writes D/ready when it listens; lines go to
// D/events/floor.jsonl. GET /bench/allocated answers the process's allocated bytes, as the app's load server does.
var port = Arg("--port") ?? "7198";
var data = Path.GetFullPath(Arg("--data") ?? Path.Combine(Path.GetTempPath(), "jiraauth-floor"));
Directory.CreateDirectory(Path.Combine(data, "events"));

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
await using var log = new GroupCommitLog(Path.Combine(data, "events", "floor.jsonl"));
var app = builder.Build();

app.MapPost("/api/jira/events/{integration}", async (HttpContext context) =>
{
    // The body and its newline in one pooled buffer; the line is queued and awaited until its batch is fsynced.
    var line = new ArrayBufferWriter<byte>((int)(context.Request.ContentLength ?? 4096) + 1);
    while (true)
    {
        var read = await context.Request.Body.ReadAsync(line.GetMemory(), context.RequestAborted);
        if (read == 0)
        {
            break;
        }

        line.Advance(read);
    }

    line.Write("\n"u8);
    await log.AppendAsync(line.WrittenMemory);
    context.Response.StatusCode = StatusCodes.Status202Accepted;
});
app.MapGet("/bench/allocated", () => GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture));

await app.StartAsync();
await File.WriteAllTextAsync(Path.Combine(data, "ready"), "ready");
await app.WaitForShutdownAsync();
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>One file, one writer loop: lines that arrive during a write and fsync share the next one.</summary>
internal sealed class GroupCommitLog : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly Channel<(ReadOnlyMemory<byte> Line, TaskCompletionSource Durable)> _pending =
        Channel.CreateUnbounded<(ReadOnlyMemory<byte>, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public GroupCommitLog(string path)
    {
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task AppendAsync(ReadOnlyMemory<byte> line)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Writer.TryWrite((line, durable));
        return durable.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<TaskCompletionSource>();
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var item))
            {
                _file.Write(item.Line.Span);
                batch.Add(item.Durable);
            }

            try
            {
                _file.Flush(flushToDisk: true);
                batch.ForEach(d => d.TrySetResult());
            }
            catch (IOException ex)
            {
                batch.ForEach(d => d.TrySetException(ex));
            }

            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
        await _file.DisposeAsync();
    }
}
