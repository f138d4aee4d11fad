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
/// it gives; a 429 is retried
/// once after its Retry-After (at most <see cref="MaxRetryAfter"/>). A connection the shared store
/// marks <c>reauthorization_required</c> sends nothing, on every instance (<see cref="JiraConnectionStates"/>).
/// The request is built by the caller's factory, because a request message can be sent only once.
/// </summary>
// The credential reads the store now; the parameter stays until the branch reworking this client's
// send path (ratelimit) is merged, so its callers and this one keep one constructor. Remove it then.
#pragma warning disable CS9113
public sealed class JiraRestClient(HttpClient http, ISecretStore store, JiraTokenRenewer renewer, IOptions<JiraOptions> options, TimeProvider timeProvider)
#pragma warning restore CS9113
{
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    public async Task<HttpResponseMessage> SendAsync(string connection, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Connections.ContainsKey(connection))
        {
            throw new ArgumentException($"No Jira connection '{connection}' is configured.", nameof(connection));
        }

        var credential = renewer.Credentials.Get(connection);
        var token = await credential.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
        var response = await SendOnceAsync(createRequest, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized && await credential.RenewAfterUnauthorizedAsync(token, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            response.Dispose();
            token = renewed;
            response = await SendOnceAsync(createRequest, token, cancellationToken).ConfigureAwait(false);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } wait && wait <= MaxRetryAfter)
        {
            response.Dispose();
            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
            response = await SendOnceAsync(createRequest, token, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> createRequest, AuthenticationHeaderValue authorization, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
