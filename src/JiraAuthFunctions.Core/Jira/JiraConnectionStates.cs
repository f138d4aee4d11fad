using System.Collections.Concurrent;
using System.Globalization;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>The state of one connection, for the health endpoint, the outbound client and on-call.</summary>
/// <param name="State">
/// <c>ok</c>, <c>renewal_overdue</c>, <c>expired</c>, <c>reauthorization_required</c> (3LO refresh token refused),
/// <c>credential_refused</c> (a service account's client secret refused), <c>scope_missing</c> (the grant lacks a
/// required scope), <c>credential_expiring</c> (an API token or PAT within its warning window), or <c>unknown</c>
/// (the store could not be read).
/// </param>
/// <param name="AccessTokenExpiresOn">When what is sent to Jira expires: the access token, or the API token or PAT itself.</param>
public sealed record JiraConnectionStatus(string Connection, string State, DateTimeOffset? AccessTokenExpiresOn)
{
    public JiraAuthKind Auth { get; init; }

    /// <summary>How the granted scopes were verified: one of the <see cref="JiraScopes"/> constants, or <c>unchecked</c> before any grant.</summary>
    public string Scopes { get; init; } = JiraScopes.NoneRequired;

    /// <summary>The required scopes the last grant lacked (names only).</summary>
    public IReadOnlyList<string> MissingScopes { get; init; } = [];

    /// <summary>For an API token or PAT: its expiry (the secret's expiry attribute), null when the secret has none.</summary>
    public DateTimeOffset? CredentialExpiresOn { get; init; }

    public bool Equals(JiraConnectionStatus? other) =>
        other is not null && Connection == other.Connection && State == other.State && AccessTokenExpiresOn == other.AccessTokenExpiresOn
        && Auth == other.Auth && Scopes == other.Scopes && MissingScopes.SequenceEqual(other.MissingScopes) && CredentialExpiresOn == other.CredentialExpiresOn;

    public override int GetHashCode() => HashCode.Combine(Connection, State, AccessTokenExpiresOn, Auth, Scopes);
}

/// <summary>
/// What every instance reports for each Jira connection, derived from the shared secret store and the
/// clock, never from what this process happened to see: the Functions host runs the credentials timer
/// on one instance at a time, so most instances never see the token endpoint's answer. A secret the
/// endpoint refused (a 3LO refresh token, a service account's client secret) carries the tag
/// <see cref="RefusedTag"/> on its version; a new version without it clears the state everywhere. An
/// access token whose grant lacked a required scope carries <see cref="JiraScopes.MissingTag"/>. Each
/// connection's <see cref="IJiraCredential"/> reads its own secrets. Held for <see cref="HoldFor"/> per
/// connection, so health probes and outbound calls are not store traffic; far within one job period (5 minutes).
/// </summary>
public sealed class JiraConnectionStates(IOptions<JiraOptions> options, JiraCredentials credentials, TimeProvider timeProvider)
{
    public const string Ok = "ok";
    public const string RenewalOverdue = "renewal_overdue";
    public const string Expired = "expired";
    public const string ReauthorizationRequired = "reauthorization_required";
    public const string Unknown = "unknown";

    /// <summary>A service account's client secret was refused (invalid_client, unauthorized_client, invalid_grant) or is missing.</summary>
    public const string CredentialRefused = "credential_refused";

    /// <summary>The last grant lacked a required scope (reason <c>scope_missing</c>); nothing is sent until a grant has them all.</summary>
    public static readonly string ScopeMissing = JiraAuthFunctions.Telemetry.ReasonCodes.ToCode(JiraAuthFunctions.Telemetry.ReasonCode.ScopeMissing);

    /// <summary>An API token or PAT expires within <see cref="StoredTokenCredential.WarnBefore"/>; it still works.</summary>
    public const string CredentialExpiring = "credential_expiring";

    /// <summary>The tag on a refresh-token version the token endpoint refused; its value is when.</summary>
    public const string RefusedTag = "refusedOn";

    public static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (JiraConnectionStatus Status, DateTimeOffset ReadAt)> _held = new(StringComparer.Ordinal);

    /// <summary>The states last read in this process (for gauges, which cannot wait for the store).</summary>
    public IEnumerable<JiraConnectionStatus> Held => _held.Values.Select(h => h.Status);

    public async Task<IReadOnlyList<JiraConnectionStatus>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<JiraConnectionStatus>();
        foreach (var name in options.Value.Connections.Keys.Order(StringComparer.Ordinal))
        {
            states.Add(await GetAsync(name, cancellationToken).ConfigureAwait(false));
        }

        return states;
    }

    public async Task<JiraConnectionStatus> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var found = _held.TryGetValue(name, out var held);
        if (found && now - held.ReadAt < HoldFor)
        {
            return held.Status;
        }

        JiraConnectionStatus status;
        var credential = credentials.Get(name);
        try
        {
            status = await credential.ReadStatusAsync(now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SecretStoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            status = new JiraConnectionStatus(name, Unknown, found ? held.Status.AccessTokenExpiresOn : null) { Auth = credential.Kind };
        }

        _held[name] = (status, now);
        return status;
    }

    /// <summary>Read the store again on the next call (after this process changed the connection's secrets).</summary>
    public void Forget(string name) => _held.TryRemove(name, out _);

    /// <summary>
    /// The state of a connection with a token endpoint from its two secrets and the time. A missing,
    /// disabled or refused grant secret (refresh token, client secret) needs a person
    /// (<paramref name="refusedState"/>); an access token whose grant lacked a required scope is
    /// <c>scope_missing</c>; otherwise the access token decides: past its expiry (or none) is <c>expired</c>;
    /// with less than half of <see cref="JiraConnectionOptions.RenewBefore"/> left, at least one run that
    /// should have renewed it did not (<c>renewal_overdue</c>).
    /// </summary>
    public static JiraConnectionStatus Derive(string name, JiraConnectionOptions settings, string refusedState, SecretProperties? grantSecret, SecretProperties? accessToken, DateTimeOffset now)
    {
        var usable = accessToken is { Enabled: true } ? accessToken : null;
        var expiresOn = usable?.ExpiresOn;
        var missing = usable?.Tags.GetValueOrDefault(JiraScopes.MissingTag) is { Length: > 0 } tag ? tag.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        var state = grantSecret is null || !grantSecret.Enabled || IsRefused(grantSecret) ? refusedState
            : missing.Length > 0 ? ScopeMissing
            : expiresOn is null || expiresOn <= now ? Expired
            : expiresOn - now <= settings.RenewBefore / 2 ? RenewalOverdue
            : Ok;
        var scopes = usable?.Tags.GetValueOrDefault(JiraScopes.VerificationTag) ?? (settings.RequiredScopes.Count == 0 ? JiraScopes.NoneRequired : JiraScopes.Unchecked);
        return new JiraConnectionStatus(name, state, expiresOn) { Auth = settings.Auth, Scopes = scopes, MissingScopes = missing };
    }

    public static bool IsRefused(SecretProperties refreshToken) => refreshToken.Tags.ContainsKey(RefusedTag);

    /// <summary>The tags of a refresh-token version the token endpoint refused at <paramref name="now"/>.</summary>
    public static IReadOnlyDictionary<string, string> RefusedTags(SecretProperties refreshToken, DateTimeOffset now) =>
        new Dictionary<string, string>(refreshToken.Tags) { [RefusedTag] = now.ToString("O", CultureInfo.InvariantCulture) };
}
