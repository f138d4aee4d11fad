using System.Net.Http.Headers;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// How one Jira connection authenticates, chosen once per connection from its
/// <see cref="JiraConnectionOptions.Auth"/> (<see cref="JiraCredentials"/>). <see cref="JiraRestClient"/>
/// asks it for the <c>Authorization</c> header of each request and, after a 401, for one renewal; the
/// credentials job runs <see cref="RunAsync"/> per connection; health reads <see cref="ReadStatusAsync"/>.
/// Everything shared between instances (tokens, refusals, missing scopes) lives in the secret store.
/// </summary>
public interface IJiraCredential
{
    string Connection { get; }

    JiraAuthKind Kind { get; }

    /// <summary>
    /// The header for the next request. Throws <see cref="JiraReauthorizationRequiredException"/>,
    /// <see cref="JiraAccessTokenExpiredException"/> or <see cref="JiraCredentialUnavailableException"/>
    /// when nothing should be sent (the shared store says why).
    /// </summary>
    Task<AuthenticationHeaderValue> GetAuthorizationAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Jira answered 401 to <paramref name="rejected"/>: at most one forced renewal (single flight in this
    /// process, the connection's lease across instances). The header to retry with, or null when there is
    /// nothing newer to try (the 401 stands).
    /// </summary>
    Task<AuthenticationHeaderValue?> RenewAfterUnauthorizedAsync(AuthenticationHeaderValue rejected, CancellationToken cancellationToken = default);

    /// <summary>The credentials job's step for this connection: renew what is due, warn of what expires.</summary>
    Task RunAsync(CancellationToken cancellationToken = default);

    /// <summary>The connection's state from the shared store at <paramref name="now"/> (never from this process's runs).</summary>
    Task<JiraConnectionStatus> ReadStatusAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>The connection has no credential that may be sent now (refused, missing scopes, expired); <see cref="State"/> says which.</summary>
public sealed class JiraCredentialUnavailableException(string connection, string state, string detail)
    : Exception($"Jira connection '{connection}' sends nothing: {state} ({detail}).")
{
    public string Connection { get; } = connection;
    public string State { get; } = state;
}
