using System.Collections.Concurrent;
using System.Globalization;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>The state of one connection, for the health endpoint, the outbound client and on-call.</summary>
/// <param name="State"><c>ok</c>, <c>renewal_overdue</c>, <c>expired</c>, <c>reauthorization_required</c>, or <c>unknown</c> (the store could not be read).</param>
public sealed record JiraConnectionStatus(string Connection, string State, DateTimeOffset? AccessTokenExpiresOn);

/// <summary>
/// What every instance reports for each Jira connection, derived from the shared secret store and the
/// clock, never from what this process happened to see: the Functions host runs the credentials timer
/// on one instance at a time, so most instances never see the token endpoint's answer. A refresh token
/// the endpoint refused carries the tag <see cref="RefusedTag"/> on its version; a new consent is a new
/// version without it, which clears the state everywhere. Held for <see cref="HoldFor"/> per connection,
/// so health probes and outbound calls are not store traffic; far within one job period (5 minutes).
/// </summary>
public sealed class JiraConnectionStates(IOptions<JiraOptions> options, ISecretStore store, TimeProvider timeProvider)
{
    public const string Ok = "ok";
    public const string RenewalOverdue = "renewal_overdue";
    public const string Expired = "expired";
    public const string ReauthorizationRequired = "reauthorization_required";
    public const string Unknown = "unknown";

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
        try
        {
            var refresh = await store.GetSecretAsync(JiraSecretNames.RefreshToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
            var access = await store.GetSecretAsync(JiraSecretNames.AccessToken(name), cancellationToken: cancellationToken).ConfigureAwait(false);
            status = Derive(name, Settings(name), refresh?.Properties, access?.Properties, now);
        }
        catch (Exception ex) when (ex is SecretStoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            status = new JiraConnectionStatus(name, Unknown, found ? held.Status.AccessTokenExpiresOn : null);
        }

        _held[name] = (status, now);
        return status;
    }

    /// <summary>Read the store again on the next call (after this process changed the connection's secrets).</summary>
    public void Forget(string name) => _held.TryRemove(name, out _);

    /// <summary>
    /// The state from the two secrets and the time. A missing, disabled or refused refresh token needs a
    /// person; otherwise the access token decides: past its expiry (or none) is <c>expired</c>; with less
    /// than half of <see cref="JiraConnectionOptions.RenewBefore"/> left, at least one run that should have
    /// renewed it did not (<c>renewal_overdue</c>).
    /// </summary>
    public static JiraConnectionStatus Derive(string name, JiraConnectionOptions settings, SecretProperties? refreshToken, SecretProperties? accessToken, DateTimeOffset now)
    {
        var expiresOn = accessToken is { Enabled: true } ? accessToken.ExpiresOn : null;
        var state = refreshToken is null || !refreshToken.Enabled || IsRefused(refreshToken) ? ReauthorizationRequired
            : expiresOn is null || expiresOn <= now ? Expired
            : expiresOn - now <= settings.RenewBefore / 2 ? RenewalOverdue
            : Ok;
        return new JiraConnectionStatus(name, state, expiresOn);
    }

    public static bool IsRefused(SecretProperties refreshToken) => refreshToken.Tags.ContainsKey(RefusedTag);

    /// <summary>The tags of a refresh-token version the token endpoint refused at <paramref name="now"/>.</summary>
    public static IReadOnlyDictionary<string, string> RefusedTags(SecretProperties refreshToken, DateTimeOffset now) =>
        new Dictionary<string, string>(refreshToken.Tags) { [RefusedTag] = now.ToString("O", CultureInfo.InvariantCulture) };

    private JiraConnectionOptions Settings(string name) =>
        options.Value.Connections.TryGetValue(name, out var settings) ? settings : new JiraConnectionOptions();
}
