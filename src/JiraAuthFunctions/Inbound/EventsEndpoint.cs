using System.Buffers;
using System.Text.Json;
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
    public async Task HandleAsync(HttpContext context, string integration, string route = Route)
    {
        var requestId = RequestIdOf(context);

        // The scheme decides whether it needs the exact bytes before it can decide (X-Hub-Signature
        // does): it asks for them through the request. Every other scheme decides first, so an
        // unauthenticated caller costs no body read.
        RentedBuffer? body = null;
        try
        {
            var request = RequestOf(context, async cancellationToken =>
            {
                body ??= await ReadBodyAsync(context.Request, _maxBodyBytes, cancellationToken);
                return body?.Memory;
            });
            var started = timeProvider.GetTimestamp();
            var check = await authenticator.AuthenticateAsync(integration, route, request, context.RequestAborted);
            metrics.ValidationTime(CallerInfo.Clip(integration)!, timeProvider.GetElapsedTime(started));
            if (!check.Succeeded)
            {
                await RejectAsync(context, integration, check.Reason, check.Caller, requestId);
                return;
            }

            // From here a per-request token's jti is held for this request (check.Reservation): committed
            // once the event is durable, released on every other outcome. So what needs no secret
            // (content type, declared length), checked only now that the caller is authenticated, and
            // every later refusal or failure leave the token usable for the sender's corrected retry.
            try
            {
                if (!IsJson(context.Request.ContentType))
                {
                    await RejectAsync(context, integration, ReasonCode.UnsupportedMediaType, check.Caller, requestId);
                    return;
                }

                body ??= await ReadBodyAsync(context.Request, _maxBodyBytes, context.RequestAborted);
                if (body is null)
                {
                    await RejectAsync(context, integration, ReasonCode.BodyTooLarge, check.Caller, requestId);
                    return;
                }

                if (check.Reservation is { } held && await LostHoldAsync(held, context.RequestAborted) is { } lost)
                {
                    await RejectAsync(context, integration, lost, check.Caller, requestId);
                    return;
                }

                await AcceptAsync(context, integration, check.Caller, body.Memory, requestId, check.Reservation);
            }
            finally
            {
                if (check.Reservation is { Settled: false } unsettled)
                {
                    await ReleaseAsync(unsettled, check.Caller, requestId);
                }
            }
        }
        finally
        {
            body?.Dispose();
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

    private async Task AcceptAsync(HttpContext context, string integration, CallerInfo caller, ReadOnlyMemory<byte> body, string requestId, ReplayReservation? held)
    {
        // A sender's retry of a delivery already stored: the same answer as the first time, no second write.
        if (caller.DeliveryKey is { } deliveryKey &&
            await deliveries.FindAsync(integration, deliveryKey, context.RequestAborted) is { } firstEventId)
        {
            InboundLog.DuplicateDeliveryAnswered(logger, integration, DeliveryIdOf(caller), firstEventId, requestId);
            metrics.Decision(integration, ReasonCode.DuplicateDelivery.ToCode(), StatusCodes.Status202Accepted);
            await InboundResponses.WriteAcceptedAsync(context, firstEventId, requestId);
            return;
        }

        using var document = TryParse(body);
        var format = document is null ? JiraEventFormat.Unknown : JiraEventClassifier.Classify(document.RootElement);
        if (format == JiraEventFormat.Unknown)
        {
            await RejectAsync(context, integration, ReasonCode.NotAJiraEvent, caller, requestId);
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
                Payload = EventPayload.Compact(body),
            }, context.RequestAborted);
        }
        catch (EventSinkUnavailableException ex)
        {
            InboundLog.SinkWriteFailed(logger, integration, ex.InnerException?.GetType().Name ?? ex.GetType().Name, requestId);
            await RejectAsync(context, integration, ReasonCode.SinkUnavailable, caller, requestId);
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

    private static string? DeliveryIdOf(CallerInfo caller) =>
        caller.Context.FirstOrDefault(c => c.Key == "deliveryId").Value;

    /// <summary>The request as the authentication schemes see it: path and query as received, headers, the body when read.</summary>
    internal static InboundRequest RequestOf(HttpContext context, RentedBuffer? body) => RequestOf(context, readBody: null, body);

    /// <param name="readBody">Reads the body for a scheme that signs it (<see cref="InboundRequest.BufferBodyAsync"/>).</param>
    private static InboundRequest RequestOf(HttpContext context, Func<CancellationToken, ValueTask<ReadOnlyMemory<byte>?>>? readBody, RentedBuffer? body = null)
    {
        var request = context.Request;
        var headers = request.Headers;
        return new InboundRequest
        {
            Method = request.Method,
            Path = RawPathOf(context),
            Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            Header = name => headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null,
            Body = body?.Memory ?? default,
            ReadBody = readBody,
        };
    }

    // The path before ASP.NET Core decoded it (%2F stays %2F): what the sender hashed.
    private static string RawPathOf(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget is { Length: > 0 } target && target[0] == '/'
            ? (target.IndexOf('?') is var q and >= 0 ? target[..q] : target)
            : context.Request.PathBase.Add(context.Request.Path).ToUriComponent();

    // The request's identifier (IHttpRequestIdentifierFeature): under the Functions host the
    // adapter sets it to the invocation id (Functions/Invocation.cs), so a line here joins the host's telemetry.
    internal static string RequestIdOf(HttpContext context) => context.TraceIdentifier;

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
        (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)) &&
        (!mediaType.Charset.HasValue || mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or null when it is larger than the limit (declared or actual).</summary>
    internal static async Task<RentedBuffer?> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
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

    /// <summary>The body as JSON, or null when it is not JSON text (RFC 8259: UTF-8, so invalid UTF-8 is not JSON).</summary>
    private static JsonDocument? TryParse(ReadOnlyMemory<byte> json)
    {
        // The parser leaves bytes inside strings unchecked; a string that is not UTF-8 would be
        // stored as something Jira never sent.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            return null;
        }

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
    internal sealed class RentedBuffer(int initialSize) : IDisposable
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
