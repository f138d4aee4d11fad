namespace JiraAuthFunctions.Inbound;

/// <summary>Tokens withdrawn before their expiry, by integration and <see cref="JtiHash"/>.</summary>
public interface IRevocationList
{
    /// <summary>Whether the token with this jti hash is revoked for the integration. Served from memory.</summary>
    bool IsRevoked(string integration, string jtiHash);

    /// <summary>Whether any token of the integration is revoked; when not, the jti need not be hashed at all.</summary>
    bool HasEntries(string integration) => true;
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
