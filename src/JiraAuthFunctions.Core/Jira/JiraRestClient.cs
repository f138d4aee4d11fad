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
/// Calls Jira's REST API with the <c>Authorization</c> header of the connection's <see cref="IJiraCredential"/>
/// (its Auth kind: a Bearer access token, Basic with an API token, a Bearer PAT). A 401 asks the credential
/// for one renewal (single flight in this process, the lease across instances) and retries once with what
/// it gives. A connection the shared store
/// marks <c>reauthorization_required</c> sends nothing, on every instance (<see cref="JiraConnectionStates"/>).
/// The request is built by the caller's factory, because a request message can be sent only once.
/// Pacing, 429/503 handling and retries are the handlers' below this client (the host attaches them:
/// <see cref="JiraRateLimitHandler"/> and a retry strategy following <see cref="JiraRetryRules"/>); each
/// request names its connection (<see cref="JiraRequestOptions.Connection"/>) for them. A 429 that is
/// still there when they give up becomes <see cref="JiraRateLimitedException"/>, never a silent wait.
/// </summary>
public sealed class JiraRestClient(HttpClient http, JiraTokenRenewer renewer, IOptions<JiraOptions> options, TimeProvider timeProvider)
{
    public async Task<HttpResponseMessage> SendAsync(string connection, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Connections.ContainsKey(connection))
        {
            throw new ArgumentException($"No Jira connection '{connection}' is configured.", nameof(connection));
        }

        var credential = renewer.Credentials.Get(connection);
        var token = await credential.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
        var response = await SendOnceAsync(connection, createRequest, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized && await credential.RenewAfterUnauthorizedAsync(token, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            response.Dispose();
            token = renewed;
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

    private async Task<HttpResponseMessage> SendOnceAsync(string connection, Func<HttpRequestMessage> createRequest, AuthenticationHeaderValue authorization, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        request.Options.Set(JiraRequestOptions.Connection, connection);
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
