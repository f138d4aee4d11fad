using System.Collections.Frozen;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Replay;

/// <summary>Tokens withdrawn before their expiry, by integration and <see cref="JtiHash"/>.</summary>
public interface IRevocationList
{
    /// <summary>Whether the token with this jti hash is revoked for the integration. Served from memory.</summary>
    bool IsRevoked(string integration, string jtiHash);

    /// <summary>Whether any token of the integration is revoked; when not, the jti need not be hashed at all.</summary>
    bool HasEntries(string integration) => true;

    /// <summary>
    /// Reads the list before the first request. Throws <see cref="RevocationsUnavailableException"/> when it
    /// cannot: revocations fail closed, so the app must not serve without them.
    /// </summary>
    Task LoadAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Keeps the list current until cancelled (a store polled in the background); a list read on demand returns at once.</summary>
    Task KeepCurrentAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Where revocations are kept and changed: the local file (<see cref="FileRevocationList"/>) or a table
/// every instance shares. The CLI writes through it; the app reads it. Every method throws
/// <see cref="RevocationsUnavailableException"/> when the store cannot be read or written.
/// </summary>
public interface IRevocationStore
{
    /// <summary>Every entry, expired ones included.</summary>
    Task<IReadOnlyList<Revocation>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces the entry of this integration and jti hash.</summary>
    Task AddAsync(Revocation revocation, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry; false if there was none.</summary>
    Task<bool> RemoveAsync(string integration, string jtiHash, CancellationToken cancellationToken = default);
}

/// <summary>One revoked token.</summary>
public sealed record Revocation
{
    public required string Integration { get; init; }
    public required string JtiHash { get; init; }
    public DateTimeOffset RevokedOn { get; init; }

    /// <summary>When the entry may be dropped: the token's own expiry. Null keeps it forever.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// The revocation list could not be read (or written): a file that is not valid JSON or has gone, a
/// store that does not answer. The message is one line for an operator, naming the file or table and
/// what is wrong; it never quotes a secret. <see cref="ToString"/> is the message alone: this is an
/// operator's message, not a bug, and its stack trace says nothing a person could act on.
/// </summary>
public sealed class RevocationsUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public override string ToString() => Message;
}

/// <summary>One consistent view of a revocation list: read together, swapped together.</summary>
internal sealed record RevocationSnapshot(FrozenSet<(string Integration, string JtiHash)> Revoked, FrozenSet<string> Integrations)
{
    public static readonly RevocationSnapshot Empty = new(FrozenSet<(string, string)>.Empty, FrozenSet<string>.Empty);

    public static RevocationSnapshot From(IEnumerable<Revocation> entries)
    {
        var list = entries as IReadOnlyCollection<Revocation> ?? [.. entries];
        return new(list.Select(e => (e.Integration, e.JtiHash)).ToFrozenSet(), list.Select(e => e.Integration).ToFrozenSet(StringComparer.Ordinal));
    }

    public bool IsRevoked(string integration, string jtiHash) => Revoked.Contains((integration, jtiHash));

    public bool HasEntries(string integration) => Integrations.Contains(integration);
}

/// <summary>How health names the revocation list, whichever store holds it.</summary>
public static class RevocationHealth
{
    /// <summary>The dependency name in <c>/api/health</c>.</summary>
    public const string Name = "revocations";
}
