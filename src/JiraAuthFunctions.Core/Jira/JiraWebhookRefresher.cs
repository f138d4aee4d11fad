using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Leases;

namespace JiraAuthFunctions.Jira;

/// <summary>The webhooks of one connection as last seen, for the health endpoint and the metric.</summary>
/// <param name="State"><c>ok</c>, <c>webhook_refresh_failed</c>, <c>webhook_expired</c> or <c>reauthorization_required</c>.</param>
public sealed record JiraWebhookStatus(string Connection, string State, int Webhooks, DateTimeOffset? EarliestExpiry);

/// <summary>
/// Keeps the dynamic webhooks an OAuth 2.0 app registered through Jira's REST API alive: Jira drops
/// them 30 days after registration or the last refresh. Per connection with
/// <see cref="JiraConnectionOptions.RefreshWebhooks"/>, each run lists the app's webhooks
/// (<c>GET /rest/api/3/webhook</c>, paged), and extends those within
/// <see cref="JiraConnectionOptions.WebhookRefreshBefore"/> of expiry
/// (<c>PUT /rest/api/3/webhook/refresh</c>, at most <see cref="MaxIdsPerRefresh"/> ids a call).
/// Calls go through <see cref="JiraRestClient"/>, so an expired access token is renewed and a 429 retried.
/// A failure is logged (warning, reason <c>webhook_refresh_failed</c>) and shown in health; it never
/// stops the other connections or the job's other steps, and the next run (5 minutes) tries again.
/// </summary>
public sealed partial class JiraWebhookRefresher(
    IOptions<JiraOptions> options,
    JiraRestClient rest,
    TimeProvider timeProvider,
    ILogger<JiraWebhookRefresher> logger,
    JiraAuthMetrics? metrics = null)
{
    public const string Ok = "ok";

    /// <summary>Page size of the listing: the API's own default and maximum.</summary>
    public const int PageSize = 100;

    /// <summary>Ids per refresh call. Atlassian documents no limit; this bound keeps one call's body small.</summary>
    public const int MaxIdsPerRefresh = 100;

    /// <summary>A listing longer than this is not followed further: a runaway paging loop must end.</summary>
    public const int MaxPages = 50;

    private readonly ConcurrentDictionary<string, JiraWebhookStatus> _status = new(StringComparer.Ordinal);
    private int _gaugeRegistered;

    public IReadOnlyCollection<JiraWebhookStatus> Status => [.. _status.Values.OrderBy(s => s.Connection, StringComparer.Ordinal)];

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (metrics is not null && Interlocked.Exchange(ref _gaugeRegistered, 1) == 0)
        {
            metrics.ObserveGauge("jiraauth.jira.webhooks.seconds_to_expiry", "Seconds until each connection's earliest dynamic webhook expires (negative: expired).", () =>
                Status.Where(s => s.EarliestExpiry is not null).Select(s =>
                    new System.Diagnostics.Metrics.Measurement<double>((s.EarliestExpiry!.Value - timeProvider.GetUtcNow()).TotalSeconds, new KeyValuePair<string, object?>("connection", s.Connection))));
        }

        foreach (var (name, connection) in options.Value.Connections)
        {
            if (connection.RefreshWebhooks && connection.RestBaseUrl is { } baseUrl)
            {
                _status[name] = await RefreshConnectionAsync(name, connection, baseUrl, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<JiraWebhookStatus> RefreshConnectionAsync(string name, JiraConnectionOptions connection, Uri baseUrl, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(connection.RunBudget, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        var previous = _status.GetValueOrDefault(name);
        List<Webhook> webhooks;
        try
        {
            webhooks = await ListAsync(name, baseUrl, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
        {
            var (state, detail) = Describe(ex);
            Log.ListFailed(logger, name, detail, ReasonCode.WebhookRefreshFailed.ToCode());
            return new JiraWebhookStatus(name, state, previous?.Webhooks ?? 0, previous?.EarliestExpiry);
        }

        var now = timeProvider.GetUtcNow();
        foreach (var expired in webhooks.Where(w => w.ExpiresOn <= now))
        {
            // Jira may already have stopped sending its events: say so loudly, then still try to extend it.
            Log.Expired(logger, name, expired.Id, expired.ExpiresOn, ReasonCode.WebhookExpired.ToCode());
        }

        var due = webhooks.Where(w => w.ExpiresOn - now <= connection.WebhookRefreshBefore).ToList();
        if (due.Count == 0)
        {
            var earliest = webhooks.Count == 0 ? (DateTimeOffset?)null : webhooks.Min(w => w.ExpiresOn);
            Log.Current(logger, name, webhooks.Count, earliest);
            return new JiraWebhookStatus(name, Ok, webhooks.Count, earliest);
        }

        var expiries = webhooks.ToDictionary(w => w.Id, w => w.ExpiresOn);
        var failedState = (string?)null;
        foreach (var batch in due.Chunk(MaxIdsPerRefresh))
        {
            try
            {
                var extendedTo = await RefreshAsync(name, baseUrl, batch, linked.Token).ConfigureAwait(false);
                foreach (var webhook in batch)
                {
                    expiries[webhook.Id] = extendedTo;
                }

                Log.Extended(logger, name, batch.Length, extendedTo);
                metrics?.WebhookRefresh(name, "extended", batch.Length);
            }
            catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
            {
                var (state, detail) = Describe(ex);
                failedState = state;
                Log.ExtensionFailed(logger, name, batch.Length, batch.Min(w => w.ExpiresOn), detail, ReasonCode.WebhookRefreshFailed.ToCode());
                metrics?.WebhookRefresh(name, "failed", batch.Length);
            }
        }

        var earliestAfter = expiries.Values.Min();
        var finalState = failedState ?? (earliestAfter <= now ? ReasonCode.WebhookExpired.ToCode() : Ok);
        return new JiraWebhookStatus(name, finalState, expiries.Count, earliestAfter);
    }

    private async Task<List<Webhook>> ListAsync(string name, Uri baseUrl, CancellationToken cancellationToken)
    {
        var webhooks = new List<Webhook>();
        for (var page = 0; page < MaxPages; page++)
        {
            var uri = new Uri(baseUrl, $"rest/api/3/webhook?startAt={webhooks.Count}&maxResults={PageSize}");
            using var response = await rest.SendAsync(name, () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
            EnsureSuccess(response);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            var values = root.GetProperty("values");
            foreach (var value in values.EnumerateArray())
            {
                webhooks.Add(new Webhook(value.GetProperty("id").GetInt64(), ReadExpirationDate(value.GetProperty("expirationDate"))));
            }

            var isLast = root.TryGetProperty("isLast", out var last) && last.ValueKind == JsonValueKind.True;
            if (isLast || values.GetArrayLength() == 0)
            {
                return webhooks;
            }
        }

        throw new JiraWebhookApiException($"more than {MaxPages} pages");
    }

    private async Task<DateTimeOffset> RefreshAsync(string name, Uri baseUrl, Webhook[] batch, CancellationToken cancellationToken)
    {
        var uri = new Uri(baseUrl, "rest/api/3/webhook/refresh");
        var payload = RefreshBody(batch);
        using var response = await rest.SendAsync(name, () => new HttpRequestMessage(HttpMethod.Put, uri)
        {
            Content = new ByteArrayContent(payload) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        }, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        return ReadExpirationDate(document.RootElement.GetProperty("expirationDate"));
    }

    private static byte[] RefreshBody(Webhook[] batch)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("webhookIds");
            foreach (var webhook in batch)
            {
                writer.WriteNumberValue(webhook.Id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Jira's schema says epoch milliseconds; its examples (and real responses) show
    /// <c>2019-06-01T12:42:30.000+0000</c>. Both are read.
    /// </summary>
    internal static DateTimeOffset ReadExpirationDate(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(value.GetInt64());
        }

        var text = value.GetString() ?? throw new FormatException("expirationDate is null.");
        // "+0000" to "+00:00": the offset form .NET parses.
        if (text.Length > 5 && text[^5] is '+' or '-' && char.IsAsciiDigit(text[^1]) && text[^3] != ':')
        {
            text = string.Concat(text.AsSpan(0, text.Length - 2), ":", text.AsSpan(text.Length - 2));
        }

        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    private static void EnsureSuccess(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            // The status only: Jira's error messages are not ours to vouch for in a log line.
            throw new JiraWebhookApiException($"HTTP {(int)response.StatusCode}");
        }
    }

    // What a Jira call can fail with; the run's own cancellation (shutdown) is not one of them.
    private static bool IsCallFailure(Exception ex, CancellationToken runToken) =>
        ex is JiraWebhookApiException or JiraReauthorizationRequiredException or JiraAccessTokenExpiredException or JiraCredentialUnavailableException or LeaseUnavailableException or Secrets.SecretStoreUnavailableException or HttpRequestException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException
        || (ex is OperationCanceledException && !runToken.IsCancellationRequested);

    private static (string State, string Detail) Describe(Exception ex) => ex switch
    {
        JiraReauthorizationRequiredException => (JiraTokenRenewer.ReauthorizationRequired, JiraTokenRenewer.ReauthorizationRequired),
        JiraWebhookApiException api => (ReasonCode.WebhookRefreshFailed.ToCode(), api.Detail),
        JiraAccessTokenExpiredException => (ReasonCode.WebhookRefreshFailed.ToCode(), "no usable access token"),
        JiraCredentialUnavailableException unavailable => (unavailable.State, unavailable.State),
        LeaseUnavailableException or Secrets.SecretStoreUnavailableException => (ReasonCode.WebhookRefreshFailed.ToCode(), ex.Message),
        OperationCanceledException => (ReasonCode.WebhookRefreshFailed.ToCode(), "run budget exceeded"),
        _ => (ReasonCode.WebhookRefreshFailed.ToCode(), ex.GetType().Name),
    };

    private sealed record Webhook(long Id, DateTimeOffset ExpiresOn);

    /// <summary>Jira answered a webhook call with an error; carries the status only.</summary>
    private sealed class JiraWebhookApiException(string detail) : Exception($"Jira webhook API call failed: {detail}.")
    {
        public string Detail { get; } = detail;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.JiraWebhooksExtended, LogLevel.Information, "Extended {Count} dynamic webhooks of Jira connection {Connection} to {ExpiresOn:o}.", EventName = "JiraWebhooksExtended")]
        public static partial void Extended(ILogger logger, string connection, int count, DateTimeOffset expiresOn);

        [LoggerMessage(EventIds.JiraWebhookExtensionFailed, LogLevel.Warning, "Extending {Count} dynamic webhooks of Jira connection {Connection} failed ({Detail}, reason {Reason}); the earliest expires {EarliestExpiry:o}; retried next run.", EventName = "JiraWebhookExtensionFailed")]
        public static partial void ExtensionFailed(ILogger logger, string connection, int count, DateTimeOffset earliestExpiry, string detail, string reason);

        [LoggerMessage(EventIds.JiraWebhookExpired, LogLevel.Error, "Dynamic webhook {WebhookId} of Jira connection {Connection} expired at {ExpiresOn:o} (reason {Reason}): Jira may have stopped sending its events; extending it now.", EventName = "JiraWebhookExpired")]
        public static partial void Expired(ILogger logger, string connection, long webhookId, DateTimeOffset expiresOn, string reason);

        [LoggerMessage(EventIds.JiraWebhooksListFailed, LogLevel.Warning, "Listing the dynamic webhooks of Jira connection {Connection} failed ({Detail}, reason {Reason}); retried next run.", EventName = "JiraWebhooksListFailed")]
        public static partial void ListFailed(ILogger logger, string connection, string detail, string reason);

        [LoggerMessage(EventIds.JiraWebhooksCurrent, LogLevel.Debug, "Jira connection {Connection}: {Count} dynamic webhooks, none due; the earliest expires {EarliestExpiry:o}.", EventName = "JiraWebhooksCurrent")]
        public static partial void Current(ILogger logger, string connection, int count, DateTimeOffset? earliestExpiry);
    }
}
