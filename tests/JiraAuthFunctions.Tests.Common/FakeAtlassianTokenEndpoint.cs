using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// Atlassian's OAuth 2.0 token endpoint as documented for rotating refresh tokens, on loopback:
/// each refresh answers a new access token (expires_in 3600) and a new refresh token; the previous
/// refresh token stays usable for a leeway (10 minutes); a reuse after that, or any unknown token,
/// invalidates the whole token family and answers 403 <c>invalid_grant</c> from then on.
/// 429 with Retry-After can be queued.
/// Beside it, Jira's REST API as an OAuth 2.0 app reaches it (<c>/ex/jira/{cloudId}/rest/api/3/...</c>)
/// for dynamic webhooks: the app's webhooks listed with their <c>expirationDate</c> in pages
/// (<c>startAt</c>, <c>maxResults</c>, <c>isLast</c>), a refresh that extends the given ids to 30 days
/// from now and ignores unknown ones, and errors 400/401/403/404/429 in Jira's shape
/// (<c>{"errorMessages":[...],"errors":{}}</c>). Only the newest access token is accepted.
/// </summary>
public sealed partial class FakeAtlassianTokenEndpoint : IAsyncDisposable
{
    public static readonly TimeSpan Leeway = TimeSpan.FromMinutes(10);
    private LoopbackServer _server = null!;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<int> _faults = new();
    private int _generation;
    private string? _previous;
    private DateTimeOffset _rotatedAt;
    private bool _familyRevoked;
    private int _expiredGeneration;
    private readonly SortedDictionary<long, DateTimeOffset> _webhooks = [];
    private readonly Queue<int> _listFaults = new();
    private readonly Queue<int> _refreshFaults = new();
    private bool _expireTokenOnRefresh;
    private long _nextWebhookId = 10000;

    /// <summary>How long Jira keeps a dynamic webhook after registration or a refresh.</summary>
    public static readonly TimeSpan WebhookLifetime = TimeSpan.FromDays(30);

    private FakeAtlassianTokenEndpoint(TimeProvider time, string clientId, string clientSecret)
    {
        _time = time;
        ClientId = clientId;
        ClientSecret = clientSecret;
        CurrentRefreshToken = "rt-0";
    }

    public string ClientId { get; }
    public string ClientSecret { get; }
    public string CurrentRefreshToken { get; private set; }
    public Uri Uri { get; private set; } = null!;
    public int Refreshes { get; private set; }
    public int InvalidGrants { get; private set; }
    public int Throttled { get; private set; }

    /// <summary>Jira's REST API beside the token endpoint: accepts only the newest access token.</summary>
    public Uri ApiUri => new(Uri, "/rest/api/3/myself");

    public int ApiThrottles { get; set; }

    /// <summary>The site's cloud id; the REST API of the site is under <see cref="JiraBaseUri"/>.</summary>
    public string CloudId { get; } = "11223344-a1b2-3b33-c444-def123456789";

    /// <summary>The REST base an OAuth 2.0 app uses (as <c>https://api.atlassian.com/ex/jira/{cloudId}/</c>).</summary>
    public Uri JiraBaseUri => new(Uri, $"/ex/jira/{CloudId}/");

    /// <summary>The largest page the listing returns, whatever maxResults asks (Jira's is 100).</summary>
    public int WebhookPageLimit { get; set; } = 100;

    /// <summary>Answer expirationDate as Jira's examples show it (<c>2019-06-01T12:42:30.000+0000</c>) instead of epoch milliseconds (its schema).</summary>
    public bool ExpirationDatesAsText { get; set; }

    public int WebhookListCalls { get; private set; }

    /// <summary>The ids of each refresh call, in order.</summary>
    public List<long[]> RefreshCalls { get; } = [];

    /// <summary>Registers a dynamic webhook as of now (or <paramref name="registeredAt"/>): it expires 30 days later.</summary>
    public long RegisterWebhook(DateTimeOffset? registeredAt = null)
    {
        lock (_lock)
        {
            var id = _nextWebhookId++;
            _webhooks[id] = (registeredAt ?? _time.GetUtcNow()) + WebhookLifetime;
            return id;
        }
    }

    public DateTimeOffset WebhookExpiry(long id)
    {
        lock (_lock)
        {
            return _webhooks[id];
        }
    }

    /// <summary>The next listing calls answer these statuses (429 with Retry-After 1), one each.</summary>
    public void QueueListFaults(params int[] statuses) => Enqueue(_listFaults, statuses);

    /// <summary>The next refresh calls answer these statuses (429 with Retry-After 1), one each.</summary>
    public void QueueRefreshFaults(params int[] statuses) => Enqueue(_refreshFaults, statuses);

    /// <summary>The access token expires just as the next refresh call arrives (after the listing worked).</summary>
    public void ExpireAccessTokenOnNextRefresh()
    {
        lock (_lock)
        {
            _expireTokenOnRefresh = true;
        }
    }

    private void Enqueue(Queue<int> queue, int[] statuses)
    {
        lock (_lock)
        {
            foreach (var status in statuses)
            {
                queue.Enqueue(status);
            }
        }
    }

    /// <summary>The current access token stops working now (as at its expiry): the next call gets 401 until a refresh.</summary>
    public void ExpireAccessToken()
    {
        lock (_lock)
        {
            _expiredGeneration = _generation;
        }
    }

    private bool IsCurrentAccessToken(HttpContext context) =>
        !_familyRevoked && _generation > 0 && _generation > _expiredGeneration && context.Request.Headers.Authorization.ToString() == $"Bearer at-{_generation}";

    /// <summary>The user or an admin revokes the app's access: every token of the family is refused from now on (invalid_grant, 401).</summary>
    public void RevokeConsent()
    {
        lock (_lock)
        {
            _familyRevoked = true;
        }
    }

    /// <summary>An admin authorizes the app again: a new token family. Returns its refresh token, the one the admin stores.</summary>
    public string Consent()
    {
        lock (_lock)
        {
            _familyRevoked = false;
            _previous = null;
            _expiredGeneration = ++_generation; // no access token of the new family exists yet
            CurrentRefreshToken = $"rt-{_generation}";
            return CurrentRefreshToken;
        }
    }

    private async Task HandleListWebhooksAsync(HttpContext context, string cloudId)
    {
        var (status, answer) = await DecideWebhookCallAsync(context, cloudId, _listFaults, () =>
        {
            WebhookListCalls++;
            var startAt = int.TryParse(context.Request.Query["startAt"], out var s) ? s : 0;
            var maxResults = int.TryParse(context.Request.Query["maxResults"], out var m) ? Math.Min(m, WebhookPageLimit) : WebhookPageLimit;
            if (startAt < 0 || maxResults <= 0)
            {
                return (400, JiraError("The value of 'startAt' or 'maxResults' is invalid."));
            }

            var page = _webhooks.Skip(startAt).Take(maxResults).ToList();
            var values = new JsonArray();
            foreach (var (id, expiresOn) in page)
            {
                values.Add(new JsonObject
                {
                    ["id"] = id,
                    ["jqlFilter"] = "project = OPS",
                    ["events"] = new JsonArray("jira:issue_created", "jira:issue_updated"),
                    ["expirationDate"] = Date(expiresOn),
                });
            }

            return (200, new JsonObject
            {
                ["startAt"] = startAt,
                ["maxResults"] = maxResults,
                ["total"] = _webhooks.Count,
                ["isLast"] = startAt + page.Count >= _webhooks.Count,
                ["values"] = values,
            });
        });
        await WriteAsync(context, status, answer);
    }

    private async Task HandleRefreshWebhooksAsync(HttpContext context, string cloudId)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (System.Text.Json.JsonException)
        {
            body = null;
        }

        var (status, answer) = await DecideWebhookCallAsync(context, cloudId, _refreshFaults, () =>
        {
            if (body?["webhookIds"] is not JsonArray ids || ids.Count == 0 || ids.Any(i => i is not JsonValue))
            {
                return (400, JiraError("webhookIds: must not be empty and must list webhook ids."));
            }

            var requested = ids.Select(i => i!.GetValue<long>()).ToArray();
            RefreshCalls.Add(requested);
            var expiresOn = _time.GetUtcNow() + WebhookLifetime;
            foreach (var id in requested.Where(_webhooks.ContainsKey))
            {
                _webhooks[id] = expiresOn; // unknown ids (deleted, another app's) are ignored, as Jira does
            }

            return (200, new JsonObject { ["expirationDate"] = Date(expiresOn) });
        });
        await WriteAsync(context, status, answer);
    }

    private Task<(int, JsonObject)> DecideWebhookCallAsync(HttpContext context, string cloudId, Queue<int> faults, Func<(int, JsonObject)> handle)
    {
        lock (_lock)
        {
            if (faults == _refreshFaults && _expireTokenOnRefresh)
            {
                _expireTokenOnRefresh = false;
                _expiredGeneration = _generation;
            }

            if (faults.TryDequeue(out var fault))
            {
                return Task.FromResult(fault switch
                {
                    401 => (401, new JsonObject { ["code"] = 401, ["message"] = "Unauthorized" }),
                    403 => (403, JiraError("Only Connect and OAuth 2.0 apps can use this operation.")),
                    404 => (404, JiraError("Site not found.")),
                    429 => (429, JiraError("Rate limit exceeded.")),
                    _ => (fault, JiraError("Something went wrong.")),
                });
            }

            if (!IsCurrentAccessToken(context))
            {
                return Task.FromResult((401, new JsonObject { ["code"] = 401, ["message"] = "Unauthorized" }));
            }

            if (cloudId != CloudId)
            {
                return Task.FromResult((404, JiraError("Site not found.")));
            }

            return Task.FromResult(handle());
        }
    }

    private JsonNode Date(DateTimeOffset value) => ExpirationDatesAsText
        ? JsonValue.Create(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", System.Globalization.CultureInfo.InvariantCulture))
        : JsonValue.Create(value.ToUnixTimeMilliseconds());

    private static JsonObject JiraError(string message) => new() { ["errorMessages"] = new JsonArray(message), ["errors"] = new JsonObject() };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject answer)
    {
        context.Response.StatusCode = status;
        if (status == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private async Task HandleApiAsync(HttpContext context)
    {
        bool throttled;
        bool valid;
        lock (_lock)
        {
            throttled = ApiThrottles > 0 && ApiThrottles-- > 0;
            valid = IsCurrentAccessToken(context);
        }

        if (throttled)
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            return;
        }

        context.Response.StatusCode = valid ? 200 : 401;
        await context.Response.WriteAsync(valid ? """{"accountId":"5b10a2844c20165700ede21g"}""" : """{"code":401,"message":"Unauthorized"}""");
    }

    public void QueueThrottle(int times)
    {
        lock (_lock)
        {
            for (var i = 0; i < times; i++)
            {
                _faults.Enqueue(429);
            }
        }
    }

    public static async Task<FakeAtlassianTokenEndpoint> StartAsync(TimeProvider time, string clientId = "client-1", string clientSecret = "client-secret-value")
    {
        var endpoint = new FakeAtlassianTokenEndpoint(time, clientId, clientSecret);
        endpoint._server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/oauth/token", endpoint.HandleAsync);
            app.MapGet("/rest/api/3/myself", endpoint.HandleApiAsync);
            app.MapGet("/ex/jira/{cloudId}/rest/api/3/webhook", (HttpContext context, string cloudId) => endpoint.HandleListWebhooksAsync(context, cloudId));
            app.MapPut("/ex/jira/{cloudId}/rest/api/3/webhook/refresh", (HttpContext context, string cloudId) => endpoint.HandleRefreshWebhooksAsync(context, cloudId));
            endpoint.MapIssueApi(app);
        });
        endpoint.Uri = new Uri(endpoint._server.BaseAddress, "/oauth/token");
        return endpoint;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        JsonObject answer;
        int status;
        lock (_lock)
        {
            (status, answer) = Decide(body);
        }

        context.Response.StatusCode = status;
        if (status == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private (int, JsonObject) Decide(JsonNode? body)
    {
        if (_faults.TryDequeue(out var fault))
        {
            Throttled++;
            return (fault, new JsonObject { ["error"] = "rate_limited" });
        }

        if (body?["grant_type"]?.GetValue<string>() != "refresh_token" || body["client_id"]?.GetValue<string>() != ClientId || body["client_secret"]?.GetValue<string>() != ClientSecret)
        {
            return (401, new JsonObject { ["error"] = "access_denied" });
        }

        var presented = body["refresh_token"]?.GetValue<string>();
        var now = _time.GetUtcNow();
        var valid = !_familyRevoked && (presented == CurrentRefreshToken || (presented == _previous && now - _rotatedAt <= Leeway));
        if (!valid)
        {
            _familyRevoked = true; // reuse outside the leeway: the whole family is gone
            InvalidGrants++;
            return (403, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Unknown or invalid refresh token." });
        }

        _previous = CurrentRefreshToken;
        _rotatedAt = now;
        CurrentRefreshToken = $"rt-{++_generation}";
        Refreshes++;
        return (200, new JsonObject
        {
            ["access_token"] = $"at-{_generation}",
            ["refresh_token"] = CurrentRefreshToken,
            ["expires_in"] = 3600,
            ["scope"] = "read:jira-work write:jira-work offline_access",
            ["token_type"] = "Bearer",
        });
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
