using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace JiraAuthFunctions.Jira;

/// <summary>What the token endpoint answered to a refresh or a client-credentials request.</summary>
/// <param name="Detail">For a failure, what happened (HTTP status, no answer, timeout); never a token or the endpoint's text.</param>
/// <param name="Scope">The granted scopes as the answer's <c>scope</c> member says (space-separated), or null when it has none.</param>
public sealed record TokenRefresh(TokenRefreshOutcome Outcome, string? AccessToken = null, string? RefreshToken = null, TimeSpan ExpiresIn = default, TimeSpan? RetryAfter = null, string? Detail = null, string? Scope = null);

public enum TokenRefreshOutcome
{
    Refreshed,

    /// <summary>The refresh token is revoked, expired or reused (invalid_grant): a person must authorize the app again.</summary>
    ReauthorizationRequired,

    /// <summary>Throttled, a server error or the network: worth another try.</summary>
    Transient,

    /// <summary>The endpoint refused the requested scopes (RFC 6749 section 5.2 <c>invalid_scope</c>): the credential lacks a required scope.</summary>
    ScopeRefused,
}

/// <summary>
/// <c>grant_type=refresh_token</c> against Atlassian's token endpoint. Atlassian rotates refresh
/// tokens: every answer carries a new one, and the caller must store it before anything else.
/// </summary>
public sealed class AtlassianTokenClient(HttpClient http)
{
    public Task<TokenRefresh> RefreshAsync(Uri endpoint, string clientId, string clientSecret, string refreshToken, CancellationToken cancellationToken) =>
        SendAsync(() => http.PostAsJsonAsync(endpoint, new RefreshRequest("refresh_token", clientId, clientSecret, refreshToken), TokenJsonContext.Default.RefreshRequest, cancellationToken), requireRefreshToken: true, cancellationToken);

    /// <summary>
    /// <c>grant_type=client_credentials</c> (RFC 6749 section 4.4), form-encoded with the client's id and
    /// secret in the body, as both Atlassian token endpoints document it:
    /// Cloud service accounts at https://auth.atlassian.com/oauth/token (access token valid 60 minutes,
    /// https://support.atlassian.com/user-management/docs/create-oauth-2-0-credential-for-service-accounts/),
    /// Data Center at <c>{base}/rest/oauth2/latest/token</c> with <c>scope</c> space-separated (no refresh
    /// tokens, https://confluence.atlassian.com/enterprise/service-accounts-overview-1627095923.html).
    /// The answer is RFC 6749 section 5.1: <c>access_token</c>, <c>token_type</c>, <c>expires_in</c>, <c>scope</c>.
    /// </summary>
    /// <param name="scopes">The scopes to ask for; none leaves them to the credential (Atlassian Cloud fixes them when the credential is created).</param>
    public Task<TokenRefresh> ClientCredentialsAsync(Uri endpoint, string clientId, string clientSecret, IReadOnlyCollection<string> scopes, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("client_secret", clientSecret),
        };
        if (scopes.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', scopes)));
        }

        return SendAsync(() => http.PostAsync(endpoint, new FormUrlEncodedContent(form), cancellationToken), requireRefreshToken: false, cancellationToken);
    }

    private static async Task<TokenRefresh> SendAsync(Func<Task<HttpResponseMessage>> send, bool requireRefreshToken, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await send().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return new TokenRefresh(TokenRefreshOutcome.Transient, Detail: $"no answer ({ex.HttpRequestError})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TokenRefresh(TokenRefreshOutcome.Transient, Detail: "timed out"); // the client's timeout
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.TokenResponse, cancellationToken).ConfigureAwait(false);
                return body is { AccessToken.Length: > 0, ExpiresIn: > 0 } && (!requireRefreshToken || body.RefreshToken is { Length: > 0 })
                    ? new TokenRefresh(TokenRefreshOutcome.Refreshed, body.AccessToken, body.RefreshToken, TimeSpan.FromSeconds(body.ExpiresIn), Scope: body.Scope)
                    : new TokenRefresh(TokenRefreshOutcome.Transient, Detail: "HTTP 200 without the expected tokens");
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                return new TokenRefresh(TokenRefreshOutcome.Transient, RetryAfter: RetryAfter(response), Detail: $"HTTP {(int)response.StatusCode}");
            }

            // 400/401/403 with invalid_grant (Atlassian documents 403) or any other refusal of the grant.
            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            if (error == "invalid_scope")
            {
                return new TokenRefresh(TokenRefreshOutcome.ScopeRefused, Detail: $"HTTP {(int)response.StatusCode} invalid_scope");
            }

            var known = error is "invalid_grant" or "unauthorized_client" or "invalid_client";
            return known || response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                ? new TokenRefresh(TokenRefreshOutcome.ReauthorizationRequired, Detail: $"HTTP {(int)response.StatusCode} {(known ? error : "without a known error code")}")
                : new TokenRefresh(TokenRefreshOutcome.Transient, Detail: $"HTTP {(int)response.StatusCode}");
        }
    }

    // Seconds only; a date form falls back to the caller's backoff.
    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter?.Delta;

    private static async Task<string?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.ErrorResponse, cancellationToken).ConfigureAwait(false))?.Error;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

internal sealed record RefreshRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("refresh_token")] string RefreshToken);

internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("scope")] string? Scope = null);

internal sealed record ErrorResponse([property: JsonPropertyName("error")] string? Error);

[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
