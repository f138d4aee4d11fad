using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// A Jira site on loopback as each non-3LO Auth kind meets it, speaking the documented protocols:
/// <list type="bullet">
/// <item>Cloud service accounts: <c>POST /oauth/token</c> (as https://auth.atlassian.com/oauth/token),
/// <c>grant_type=client_credentials</c>, form-encoded <c>client_id</c>/<c>client_secret</c>; the answer's
/// <c>scope</c> is the credential's scopes (chosen when it was created), <c>expires_in</c> 3600.</item>
/// <item>Data Center service accounts: <c>POST /rest/oauth2/latest/token</c>, the same grant plus a
/// space-separated <c>scope</c>; a scope the account may not have is 400 <c>invalid_scope</c>.</item>
/// <item>RFC 6749 section 5.2 errors: a wrong or revoked client is 401 <c>invalid_client</c>, another grant
/// type 400 <c>unsupported_grant_type</c>; queued faults answer 429 (Retry-After 1) or 5xx.</item>
/// <item>The REST API (<c>/ex/jira/{cloudId}/rest/api/3/myself</c> for cloud, <c>/rest/api/2/myself</c> for
/// Data Center) accepts an issued access token until its expiry (this fake's clock), HTTP Basic with
/// <see cref="Email"/> and a current API token, or <c>Bearer</c> and a current PAT; anything else is 401.</item>
/// </list>
/// Each token request is counted, and how many were in flight at once, with a short pause inside each
/// so that overlapping requests would be seen.
/// </summary>
public sealed class FakeJiraCredentialServer : IAsyncDisposable
{
    public const string CloudId = "11223344-a1b2-3b33-c444-def123456789";
    private LoopbackServer _server = null!;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<int> _faults = new();
    private readonly Dictionary<string, DateTimeOffset> _accessTokens = new(StringComparer.Ordinal);
    private int _issued;
    private int _inFlight;

    private FakeJiraCredentialServer(TimeProvider time)
    {
        _time = time;
    }

    public string ClientId { get; set; } = "sa-client-1";
    public string ClientSecret { get; set; } = "sa-secret-value";

    /// <summary>Cloud: the scopes the service account's credential was created with.</summary>
    public string CloudScopes { get; set; } = "read:jira-work write:jira-work";

    /// <summary>Data Center: the scopes the service account may be granted.</summary>
    public HashSet<string> DataCenterAllowedScopes { get; } = ["READ", "WRITE"];

    public string Email { get; set; } = "automation@example.com";
    public HashSet<string> ApiTokens { get; } = new(StringComparer.Ordinal);
    public HashSet<string> PersonalAccessTokens { get; } = new(StringComparer.Ordinal);

    public Uri BaseUri { get; private set; } = null!;
    public Uri CloudTokenEndpoint => new(BaseUri, "/oauth/token");
    public Uri CloudApiBase => new(BaseUri, $"/ex/jira/{CloudId}/");
    public Uri CloudMyself => new(CloudApiBase, "rest/api/3/myself");
    public Uri DataCenterMyself => new(BaseUri, "/rest/api/2/myself");

    public int TokenRequests { get; private set; }
    public int MaxInFlight { get; private set; }
    public int InvalidClients { get; private set; }
    public List<string?> RequestedScopes { get; } = [];
    public int ApiCalls { get; private set; }

    /// <summary>The next token requests answer these statuses, one each (429 with Retry-After 1).</summary>
    public void QueueFaults(params int[] statuses)
    {
        lock (_lock)
        {
            foreach (var status in statuses)
            {
                _faults.Enqueue(status);
            }
        }
    }

    /// <summary>Every access token issued so far stops working (as at its expiry, or a revocation).</summary>
    public void ExpireAccessTokens()
    {
        lock (_lock)
        {
            _accessTokens.Clear();
        }
    }

    public static async Task<FakeJiraCredentialServer> StartAsync(TimeProvider time)
    {
        var server = new FakeJiraCredentialServer(time);
        server._server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/oauth/token", context => server.TokenAsync(context, dataCenter: false));
            app.MapPost("/rest/oauth2/latest/token", context => server.TokenAsync(context, dataCenter: true));
            app.MapGet("/ex/jira/{cloudId}/rest/api/3/myself", (HttpContext context, string cloudId) => server.MyselfAsync(context, cloudId == CloudId));
            app.MapGet("/rest/api/2/myself", context => server.MyselfAsync(context, true));
        });
        server.BaseUri = server._server.BaseAddress;
        return server;
    }

    private async Task TokenAsync(HttpContext context, bool dataCenter)
    {
        lock (_lock)
        {
            TokenRequests++;
            MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
        }

        try
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, context.RequestAborted); // a real round trip: overlapping requests would overlap here
            var (status, answer) = Decide(form, dataCenter);
            context.Response.StatusCode = status;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(answer.ToJsonString());
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }

    private (int, JsonObject) Decide(IFormCollection? form, bool dataCenter)
    {
        lock (_lock)
        {
            if (_faults.TryDequeue(out var fault))
            {
                return (fault, fault == 429 ? Error("rate_limited", "Too many requests.") : Error("server_error", "Something went wrong."));
            }

            if (form is null)
            {
                return (400, Error("invalid_request", "The request must be application/x-www-form-urlencoded."));
            }

            if (form["grant_type"] != "client_credentials")
            {
                return (400, Error("unsupported_grant_type", "Only client_credentials is supported here."));
            }

            if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
            {
                InvalidClients++;
                return (401, Error("invalid_client", "Client authentication failed."));
            }

            string granted;
            if (dataCenter)
            {
                var requested = form["scope"].ToString();
                RequestedScopes.Add(requested.Length == 0 ? null : requested);
                var asked = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (asked.Any(s => !DataCenterAllowedScopes.Contains(s)))
                {
                    return (400, Error("invalid_scope", "The requested scope is invalid, unknown, or malformed."));
                }

                granted = asked.Length == 0 ? string.Join(' ', DataCenterAllowedScopes) : requested;
            }
            else
            {
                RequestedScopes.Add(form.TryGetValue("scope", out var scope) ? scope.ToString() : null);
                granted = CloudScopes;
            }

            var token = $"{(dataCenter ? "dc" : "sa")}-at-{++_issued}";
            _accessTokens[token] = _time.GetUtcNow() + TimeSpan.FromHours(1);
            return (200, new JsonObject { ["access_token"] = token, ["token_type"] = "Bearer", ["expires_in"] = 3600, ["scope"] = granted });
        }
    }

    private async Task MyselfAsync(HttpContext context, bool siteFound)
    {
        bool valid;
        lock (_lock)
        {
            ApiCalls++;
            valid = IsValid(context.Request.Headers.Authorization.ToString());
        }

        context.Response.StatusCode = !valid ? 401 : siteFound ? 200 : 404;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(valid ? """{"accountId":"712020:service-account","accountType":"app"}""" : """{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}""");
    }

    private bool IsValid(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            var token = authorization["Bearer ".Length..];
            return (_accessTokens.TryGetValue(token, out var expiresOn) && _time.GetUtcNow() < expiresOn) || PersonalAccessTokens.Contains(token);
        }

        if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..]));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && pair[..colon] == Email && ApiTokens.Contains(pair[(colon + 1)..]);
        }

        return false;
    }

    private static JsonObject Error(string error, string description) => new() { ["error"] = error, ["error_description"] = description };

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
