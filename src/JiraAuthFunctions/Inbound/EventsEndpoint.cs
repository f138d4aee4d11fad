using System.Buffers;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>
/// <c>POST /api/jira/events/{integration}</c>: authenticate first, then check the body, then make
/// the event durable, then answer 202. Every request ends in exactly one log line.
/// </summary>
internal sealed class EventsEndpoint(
    IRequestAuthenticator authenticator,
    IEventSink sink,
    IDeliveryLog deliveries,
    IOptions<InboundOptions> options,
    TimeProvider timeProvider,
    JiraAuthMetrics metrics,
    ILogger<EventsEndpoint> logger)
{
    /// <summary>The events route of every scheme that does not name its own (a Connect app's: <see cref="Connect.ConnectScheme.EventsRoute"/>).</summary>
    public const string Route = InboundSchemeOptions.DefaultEventsRoute;

    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    /// <param name="route">The route template the request came by: an integration answers only on its scheme's (<see cref="InboundSchemeOptions.EventsRoute"/>).</param>
    /// <remarks>
    /// One async method for the whole request (the append is where it waits, for the disk): every
    /// async method that waits costs its own state machine on the heap, per request.
    /// </remarks>
    public async Task HandleAsync(HttpContext context, string integration, string route = Route)
    {
        var requestId = RequestIdOf(context);

        // The scheme decides whether it needs the exact bytes before it can decide (X-Hub-Signature
        // does): it asks for them through the request. Every other scheme decides first, so an
        // unauthenticated caller costs no body read.
        using var request = new EventRequest(context, _maxBodyBytes);
        var started = timeProvider.GetTimestamp();
        var check = await authenticator.AuthenticateAsync(integration, route, request.Inbound, context.RequestAborted);
        metrics.ValidationTime(CallerInfo.Clip(integration)!, timeProvider.GetElapsedTime(started));
        var caller = check.Caller;
        if (!check.Succeeded)
        {
            Reject(context, integration, check.Reason, caller, requestId);
            return;
        }

        // From here a per-request token's jti is held for this request (check.Reservation): committed
        // once the event is durable, released on every other outcome. So what needs no secret
        // (content type, declared length), checked only now that the caller is authenticated, and
        // every later refusal or failure leave the token usable for the sender's corrected retry.
        var held = check.Reservation;
        try
        {
            if (!IsJson(context.Request.ContentType))
            {
                Reject(context, integration, ReasonCode.UnsupportedMediaType, caller, requestId);
                return;
            }

            if (!await request.ReadBodyAsync(context.RequestAborted))
            {
                Reject(context, integration, ReasonCode.BodyTooLarge, caller, requestId);
                return;
            }

            if (held is not null && await LostHoldAsync(held, context.RequestAborted) is { } lost)
            {
                Reject(context, integration, lost, caller, requestId);
                return;
            }

            // A sender's retry of a delivery already stored: the same answer as the first time, no second write.
            if (caller.DeliveryKey is { } deliveryKey &&
                await deliveries.FindAsync(integration, deliveryKey, context.RequestAborted) is { } firstEventId)
            {
                InboundLog.DuplicateDeliveryAnswered(logger, integration, DeliveryIdOf(caller), firstEventId, requestId);
                metrics.Decision(integration, ReasonCode.DuplicateDelivery.ToCode(), StatusCodes.Status202Accepted);
                InboundResponses.WriteAccepted(context, firstEventId, requestId);
                return;
            }

            var format = JiraEventClassifier.Classify(request.Body.Span);
            if (format == JiraEventFormat.Unknown)
            {
                Reject(context, integration, ReasonCode.NotAJiraEvent, caller, requestId);
                return;
            }

            var receivedAt = timeProvider.GetUtcNow();
            var eventId = AcceptedEventId.New(receivedAt);
            try
            {
                await sink.AppendAsync(new AcceptedEvent
                {
                    EventId = eventId,
                    ReceivedAt = receivedAt,
                    Integration = integration,
                    Format = format,
                    Caller = caller,
                    Payload = request.CompactBody(),
                }, context.RequestAborted);
            }
            catch (EventSinkUnavailableException ex)
            {
                InboundLog.SinkWriteFailed(logger, integration, ex.InnerException?.GetType().Name ?? ex.GetType().Name, requestId);
                Reject(context, integration, ReasonCode.SinkUnavailable, caller, requestId);
                return;
            }

            // Only now: had the write failed, the retry must still be free to store the event.
            if (held is not null)
            {
                await CommitAsync(held, eventId, caller, requestId);
            }

            if (caller.DeliveryKey is { } stored)
            {
                await deliveries.RecordAsync(integration, stored, eventId, context.RequestAborted);
            }

            InboundLog.EventAccepted(logger, eventId, integration, format.ToCode(), caller.Kid, caller.Issuer, caller.Subject, caller.JtiHash, requestId);
            metrics.Decision(integration, ReasonCode.Accepted.ToCode(), StatusCodes.Status202Accepted);
            InboundResponses.WriteAccepted(context, eventId, requestId);
        }
        finally
        {
            if (held is { Settled: false })
            {
                await ReleaseAsync(held, caller, requestId);
            }
        }
    }

    /// <summary>
    /// Null while the hold covers the write and the commit still to come; else it is renewed first
    /// (a slow body). A hold that lapsed and was taken by another use of the token: that use won.
    /// </summary>
    private async Task<ReasonCode?> LostHoldAsync(ReplayReservation held, CancellationToken cancellationToken)
    {
        if (held.HeldUntil - timeProvider.GetUtcNow() >= ReplayReservation.RenewBelow)
        {
            return null;
        }

        try
        {
            return await held.RenewAsync(cancellationToken) ? null : ReasonCode.ReplayedJti;
        }
        catch (ReplayStoreUnavailableException)
        {
            return ReasonCode.ReplayCheckUnavailable;
        }
    }

    // Not with RequestAborted: a caller that went away must not leave its token held. The store's own timeouts bound it.
    private async Task ReleaseAsync(ReplayReservation held, CallerInfo caller, string requestId)
    {
        try
        {
            await held.ReleaseAsync(CancellationToken.None);
        }
        catch (ReplayStoreUnavailableException ex)
        {
            InboundLog.ReplayReleaseFailed(logger, held.Integration, caller.JtiHash, ex.Message, requestId);
        }
    }

    // The event is durable: whatever the store answers, the answer is 202 (a 503 would make the sender store it twice).
    private async Task CommitAsync(ReplayReservation held, string eventId, CallerInfo caller, string requestId)
    {
        try
        {
            if (!await held.CommitAsync(CancellationToken.None))
            {
                InboundLog.ReplayCommitFailed(logger, eventId, held.Integration, caller.JtiHash, "its hold had lapsed and another request took the jti", requestId);
            }
        }
        catch (ReplayStoreUnavailableException ex)
        {
            InboundLog.ReplayCommitFailed(logger, eventId, held.Integration, caller.JtiHash, ex.Message, requestId);
        }
    }

    // Synchronous (the body goes into the response's pipe): no awaiter for it in the request's state machine.
    private void Reject(HttpContext context, string integration, ReasonCode reason, CallerInfo caller, string requestId)
    {
        var status = InboundResponses.StatusCodeFor(reason);
        InboundLog.RequestRejected(logger, CallerInfo.Clip(integration)!, status, reason.ToCode(), caller.Kid, caller.Issuer, caller.Subject, caller.JtiHash, requestId);

        // An unknown integration is counted under one name: the URL's text must not make new series.
        metrics.Decision(reason == ReasonCode.UnknownIntegration ? "(unknown)" : integration, reason.ToCode(), status);
        InboundResponses.WriteRejection(context, reason, requestId);
    }

    private static string? DeliveryIdOf(CallerInfo caller) =>
        caller.Context.FirstOrDefault(c => c.Key == "deliveryId").Value;

    /// <summary>The request as the authentication schemes see it: path and query as received, headers, the body when read.</summary>
    internal static InboundRequest RequestOf(HttpContext context, RentedBuffer? body)
    {
        var headers = context.Request.Headers;
        return RequestOf(context, name => HeaderOf(headers, name), readBody: null, body?.Memory ?? default);
    }

    /// <param name="header">A header's value (<see cref="HeaderOf"/>).</param>
    /// <param name="readBody">Reads the body for a scheme that signs it (<see cref="InboundRequest.BufferBodyAsync"/>).</param>
    private static InboundRequest RequestOf(HttpContext context, Func<string, string?> header, Func<CancellationToken, ValueTask<ReadOnlyMemory<byte>?>>? readBody, ReadOnlyMemory<byte> body)
    {
        var request = context.Request;
        return new InboundRequest
        {
            Method = request.Method,
            Path = RawPathOf(context),
            Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            Header = header,
            Body = body,
            ReadBody = readBody,
        };
    }

    // Sent once: its value; absent or repeated: null (never guessed between two).
    private static string? HeaderOf(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    // The path before ASP.NET Core decoded it (%2F stays %2F): what the sender hashed.
    private static string RawPathOf(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget is { Length: > 0 } target && target[0] == '/'
            ? (target.IndexOf('?') is var q and >= 0 ? target[..q] : target)
            : context.Request.PathBase.Add(context.Request.Path).ToUriComponent();

    // The request's identifier (IHttpRequestIdentifierFeature): under the Functions host the
    // adapter sets it to the invocation id (Functions/Invocation.cs), so a line here joins the host's telemetry.
    internal static string RequestIdOf(HttpContext context) => context.TraceIdentifier;

    // The two spellings senders use are known without parsing (a parsed header is an object per request).
    private static bool IsJson(string? contentType) =>
        string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase) ||
        string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase) ||
        IsJsonParsed(contentType);

    private static bool IsJsonParsed(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
        (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)) &&
        (!mediaType.Charset.HasValue || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or null when it is larger than the limit (declared or actual).</summary>
    /// <remarks>A value task: a body already received (the usual case) is read without a task on the heap.</remarks>
    internal static async ValueTask<RentedBuffer?> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            return null;
        }

        var buffer = new RentedBuffer((int)Math.Min(request.ContentLength ?? 16 * 1024, maxBodyBytes) + 1);
        while (true)
        {
            if (buffer.Length == maxBodyBytes + 1)
            {
                buffer.Dispose();
                return null;
            }

            var read = await request.Body.ReadAsync(buffer.FreeSpace((int)(maxBodyBytes + 1)), cancellationToken);
            if (read == 0)
            {
                return buffer;
            }

            buffer.Advance(read);
        }
    }

    /// <summary>
    /// One request as the schemes see it (<see cref="Inbound"/>), and its body, read at most once
    /// (by a scheme that signs it, or after authentication) into a pooled buffer returned on dispose.
    /// One object per request holds what closures over the request's locals held before.
    /// </summary>
    private sealed class EventRequest : IDisposable
    {
        private readonly HttpContext _context;
        private readonly long _maxBodyBytes;
        private RentedBuffer? _body;
        private bool _read;

        public EventRequest(HttpContext context, long maxBodyBytes)
        {
            _context = context;
            _maxBodyBytes = maxBodyBytes;
            Inbound = RequestOf(context, Header, ReadBodyForSchemeAsync, body: default);
        }

        public InboundRequest Inbound { get; }

        /// <summary>The body once <see cref="ReadBodyAsync"/> read it within the limit; empty before.</summary>
        public ReadOnlyMemory<byte> Body => _body?.Memory ?? default;

        /// <summary>Reads the body into <see cref="Body"/> once, whoever asks first; false when it is larger than the limit.</summary>
        public async ValueTask<bool> ReadBodyAsync(CancellationToken cancellationToken)
        {
            if (!_read)
            {
                _body = await EventsEndpoint.ReadBodyAsync(_context.Request, _maxBodyBytes, cancellationToken);
                _read = true;
            }

            return _body is not null;
        }

        // Not "read ? Body : null": null would become an empty body through the array conversion, not "too large".
        private async ValueTask<ReadOnlyMemory<byte>?> ReadBodyForSchemeAsync(CancellationToken cancellationToken)
        {
            if (!await ReadBodyAsync(cancellationToken))
            {
                return null;
            }

            return Body;
        }

        /// <summary>The body compacted to one line (<see cref="EventPayload.CompactInPlace"/>) in its own buffer: only the record reads it after classification.</summary>
        public ReadOnlyMemory<byte> CompactBody() => _body is { } body ? EventPayload.CompactInPlace(body.WritableMemory) : default;

        public void Dispose() => _body?.Dispose();

        private string? Header(string name) => HeaderOf(_context.Request.Headers, name);
    }

    /// <summary>A growable byte buffer from the shared pool.</summary>
    internal sealed class RentedBuffer(int initialSize) : IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(initialSize);

        public int Length { get; private set; }

        public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

        /// <summary>The same bytes, for their owner to rewrite (compacting the body in place).</summary>
        public Memory<byte> WritableMemory => _array.AsMemory(0, Length);

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
