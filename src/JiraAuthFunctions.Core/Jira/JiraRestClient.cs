using System.Net;
using System.Net.Http.Headers;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>The connection needs a person to authorize the app again; nothing is sent with a stale token.</summary>
public sealed class JiraReauthorizationRequiredException(string connection)
    : Exception($"Jira connection '{connection}' needs to be authorized again (reason {JiraTokenRenewer.ReauthorizationRequired}).");

/// <summary>The connection has no usable access token (expired, or none yet) and renewing it did not help now.</summary>
public sealed class JiraAccessTokenExpiredException(string connection)
    : Exception($"Jira connection '{connection}' has no usable access token; the credentials job renews it.");

/// <summary>
/// Calls Jira's REST API with a connection's current access token. A 401 triggers one renewal
/// (single flight in this process, the lease across instances) and one retry. A connection the shared store
/// marks <c>reauthorization_required</c> sends nothing, on every instance (<see cref="JiraConnectionStates"/>).
/// The request is built by the caller's factory, because a request message can be sent only once.
/// Pacing, 429/503 handling and retries are the handlers' below this client (the host attaches them:
/// <see cref="JiraRateLimitHandler"/> and a retry strategy following <see cref="JiraRetryRules"/>); each
/// request names its connection (<see cref="JiraRequestOptions.Connection"/>) for them. A 429 that is
/// still there when they give up becomes <see cref="JiraRateLimitedException"/>, never a silent wait.
/// </summary>
public sealed class JiraRestClient(HttpClient http, ISecretStore store, JiraTokenRenewer renewer, IOptions<JiraOptions> options, TimeProvider timeProvider)
{
    private readonly SemaphoreSlim _renewal = new(1, 1);

    public async Task<HttpResponseMessage> SendAsync(string connection, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Connections.TryGetValue(connection, out var settings))
        {
            throw new ArgumentException($"No Jira connection '{connection}' is configured.", nameof(connection));
        }

        var token = await CurrentTokenAsync(connection, cancellationToken).ConfigureAwait(false);
        var response = await SendOnceAsync(connection, createRequest, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            token = await RenewAfterUnauthorizedAsync(connection, settings, token, cancellationToken).ConfigureAwait(false);
            response = await SendOnceAsync(connection, createRequest, token, cancellationToken).ConfigureAwait(false);
        }

        return ThrowIfStillRateLimited(connection, response);
    }

    // The handlers below retried what their budget allowed; a 429 left over is the caller's error, not a response to parse.
    private HttpResponseMessage ThrowIfStillRateLimited(string connection, HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return response;
        }

        using (response)
        {
            var throttle = JiraThrottle.Read(response, timeProvider.GetUtcNow());
            var attempts = response.RequestMessage?.Options.TryGetValue(JiraRequestOptions.Attempts, out var sent) == true ? sent : 1;
            throw new JiraRateLimitedException(connection, throttle.Reason, throttle.RetryAt, attempts);
        }
    }

    private async Task<string> CurrentTokenAsync(string connection, CancellationToken cancellationToken)
    {
        if ((await renewer.States.GetAsync(connection, cancellationToken).ConfigureAwait(false)).State == JiraTokenRenewer.ReauthorizationRequired)
        {
            throw new JiraReauthorizationRequiredException(connection);
        }

        var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(connection), cancellationToken: cancellationToken).ConfigureAwait(false);
        return access is not null && access.Properties.IsUsableAt(timeProvider.GetUtcNow())
            ? access.Value
            : throw new JiraAccessTokenExpiredException(connection);
    }

    // Single flight: of many requests that met a 401 with the same token, one renews; the rest use its result.
    private async Task<string> RenewAfterUnauthorizedAsync(string connection, JiraConnectionOptions settings, string rejected, CancellationToken cancellationToken)
    {
        await _renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await CurrentTokenAsync(connection, cancellationToken).ConfigureAwait(false);
            if (current != rejected)
            {
                return current;
            }

            await renewer.RenewIfDueAsync(connection, settings, cancellationToken, force: true).ConfigureAwait(false);
            return await CurrentTokenAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _renewal.Release();
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(string connection, Func<HttpRequestMessage> createRequest, string token, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        request.Options.Set(JiraRequestOptions.Connection, connection);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
