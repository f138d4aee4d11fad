using System.Buffers;
using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// <c>POST /api/jira/events/{integration}</c>: authenticate first, then check the body, then make
/// the event durable, then answer 202. Every request ends in exactly one log line.
/// </summary>
internal sealed class EventsEndpoint(
    ITokenValidator validator,
    IEventSink sink,
    IOptions<InboundOptions> options,
    TimeProvider timeProvider,
    JiraAuthMetrics metrics,
    ILogger<EventsEndpoint> logger)
{
    public const string Route = "/api/jira/events/{integration}";

    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public async Task HandleAsync(HttpContext context, string integration)
    {
        var requestId = RequestIdOf(context);
        var started = timeProvider.GetTimestamp();
        var check = await validator.ValidateAsync(integration, ReadBearerToken(context.Request), context.RequestAborted);
        metrics.ValidationTime(CallerInfo.Clip(integration)!, timeProvider.GetElapsedTime(started));
        if (!check.Succeeded)
        {
            await RejectAsync(context, integration, check.Reason, check.Caller, requestId);
            return;
        }

        if (!IsJson(context.Request.ContentType))
        {
            await RejectAsync(context, integration, ReasonCode.UnsupportedMediaType, check.Caller, requestId);
            return;
        }

        using var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (body is null)
        {
            await RejectAsync(context, integration, ReasonCode.BodyTooLarge, check.Caller, requestId);
            return;
        }

        using var document = TryParse(body.Memory);
        var format = document is null ? JiraEventFormat.Unknown : JiraEventClassifier.Classify(document.RootElement);
        if (format == JiraEventFormat.Unknown)
        {
            await RejectAsync(context, integration, ReasonCode.NotAJiraEvent, check.Caller, requestId);
            return;
        }

        var eventId = Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString("N");
        try
        {
            await sink.AppendAsync(new AcceptedEvent
            {
                EventId = eventId,
                ReceivedAt = timeProvider.GetUtcNow(),
                Integration = integration,
                Format = format,
                Caller = check.Caller,
                Payload = document!.RootElement,
            }, context.RequestAborted);
        }
        catch (EventSinkUnavailableException ex)
        {
            InboundLog.SinkWriteFailed(logger, integration, ex.InnerException?.GetType().Name ?? ex.GetType().Name, requestId);
            await RejectAsync(context, integration, ReasonCode.SinkUnavailable, check.Caller, requestId);
            return;
        }

        var caller = check.Caller;
        InboundLog.EventAccepted(logger, eventId, integration, format.ToCode(), caller.Kid, caller.Issuer, caller.Subject, caller.JtiHash, requestId);
        metrics.Decision(integration, ReasonCode.Accepted.ToCode(), StatusCodes.Status202Accepted);
        await InboundResponses.WriteAcceptedAsync(context, eventId, requestId);
    }

    private Task RejectAsync(HttpContext context, string integration, ReasonCode reason, CallerInfo caller, string requestId)
    {
        var status = InboundResponses.StatusCodeFor(reason);
        InboundLog.RequestRejected(logger, CallerInfo.Clip(integration)!, status, reason.ToCode(), caller.Kid, caller.Issuer, caller.Subject, caller.JtiHash, requestId);

        // An unknown integration is counted under one name: the URL's text must not make new series.
        metrics.Decision(reason == ReasonCode.UnknownIntegration ? "(unknown)" : integration, reason.ToCode(), status);
        return InboundResponses.WriteRejectionAsync(context, reason, requestId);
    }

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c> (scheme case-insensitive, RFC 6750 2.1); null otherwise.</summary>
    internal static string? ReadBearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1)
        {
            return null;
        }

        var value = header[0].AsSpan().Trim();
        const string scheme = "Bearer ";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[scheme.Length..].Trim();
        return token.IsEmpty ? null : token.ToString();
    }

    // The Functions host's invocation id when present, so a line here joins the host's own telemetry.
    private static string RequestIdOf(HttpContext context) =>
        context.Request.Headers.TryGetValue("X-Azure-Functions-InvocationId", out var invocationId) && invocationId.Count == 1 && invocationId[0]!.Length <= 64
            ? invocationId[0]!
            : context.TraceIdentifier;

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
        (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)) &&
        (!mediaType.Charset.HasValue || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or null when it is larger than the limit (declared or actual).</summary>
    private async Task<RentedBuffer?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _maxBodyBytes)
        {
            return null;
        }

        var buffer = new RentedBuffer((int)Math.Min(request.ContentLength ?? 16 * 1024, _maxBodyBytes) + 1);
        while (true)
        {
            if (buffer.Length == _maxBodyBytes + 1)
            {
                buffer.Dispose();
                return null;
            }

            var read = await request.Body.ReadAsync(buffer.FreeSpace((int)(_maxBodyBytes + 1)), cancellationToken);
            if (read == 0)
            {
                return buffer;
            }

            buffer.Advance(read);
        }
    }

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A growable byte buffer from the shared pool.</summary>
    private sealed class RentedBuffer(int initialSize) : IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(initialSize);

        public int Length { get; private set; }

        public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

        public Memory<byte> FreeSpace(int limit)
        {
            if (Length == _array.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_array.Length * 2, limit));
                _array.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }

            return _array.AsMemory(Length, Math.Min(_array.Length, limit) - Length);
        }

        public void Advance(int count) => Length += count;

        public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
    }
}
