using System.Collections.Frozen;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes;

/// <summary>One configured integration, ready to check tokens: built once at start, read-only after.</summary>
public sealed class Integration
{
    /// <param name="profile">Issuers, audience and algorithms the integration's scheme fixes (<see cref="InboundSchemeOptions.Profile"/>); null: its settings'.</param>
    public Integration(string name, IntegrationOptions options, ISigningKeySource keys, TimeSpan clockSkew, Connect.ConnectApp? connect = null, TokenProfile? profile = null)
    {
        Connect = connect;
        Name = name;
        Keys = keys;
        HoldsKeys = !ReferenceEquals(keys, StaticKeySource.None);
        Verification = options.Verification!.Value;

        // Forge fixes issuer, audience (the app id) and algorithm; an OAuth app's webhooks default to
        // HS256; every other bearer scheme configures them.
        var (issuers, audience, algorithms) = profile is not null ? (profile.Issuers, profile.Audience, profile.Algorithms) : Verification switch
        {
            VerificationMethod.Forge => ForgeInvocationToken.Profile(options.AppId!),
            VerificationMethod.ClientCredentials => OAuth.ClientCredentialsToken.Profile(name),
            VerificationMethod.OAuthApp when options.Algorithms.Count == 0 => (options.Issuers, options.Audience, ["HS256"]),
            _ => ((IReadOnlyList<string>)options.Issuers, options.Audience, (IReadOnlyList<string>)options.Algorithms),
        };
        ForgeAppId = Verification == VerificationMethod.Forge ? options.AppId : null;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        RequiredScopes = [.. options.RequiredScopes];
        AllowedScopes = options.AllowedScopes.Count > 0 ? [.. options.AllowedScopes] : RequiredScopes;
        AccessTokenLifetime = options.AccessTokenLifetime;
        MaxTokenLifetime = options.MaxTokenLifetime;
        Replay = options.Replay;
        TokenMemo = Replay == ReplayProtection.LongLivedToken ? new TokenMemo() : null;
        ClockSkew = clockSkew;
        RequiresIssuer = issuers.Count > 0;
        RequiresAudience = !string.IsNullOrEmpty(audience);
        RequiresJti = Verification != VerificationMethod.OAuthApp;
        if (Verification == VerificationMethod.OAuthApp)
        {
            Context = [new("jira.connection", options.JiraConnection!)];
        }

        Issuers = issuers.ToFrozenSet(StringComparer.Ordinal);
        Audience = audience;
    }

    public string Name { get; }
    public VerificationMethod Verification { get; }
    public ISigningKeySource Keys { get; }

    /// <summary>
    /// Whether <see cref="Keys"/> holds keys loaded ahead of requests (what /api/health reports); false for a
    /// scheme that finds its keys per call (a Connect app's tenants) or verifies without keys of ours.
    /// </summary>
    public bool HoldsKeys { get; }
    public FrozenSet<string> Algorithms { get; }
    public string[] RequiredScopes { get; }

    /// <summary>For <see cref="VerificationMethod.ClientCredentials"/>: the scopes the token endpoint may grant (default the required ones).</summary>
    public string[] AllowedScopes { get; }

    /// <summary>For <see cref="VerificationMethod.ClientCredentials"/>: the lifetime of the token endpoint's access tokens.</summary>
    public TimeSpan AccessTokenLifetime { get; }
    public TimeSpan MaxTokenLifetime { get; }
    public ReplayProtection Replay { get; }

    /// <summary>
    /// For <see cref="ReplayProtection.LongLivedToken"/>: what this integration's verified tokens say, so a
    /// repeat is not read again (<see cref="Tokens.TokenMemo"/>); null for per-request tokens, each used once.
    /// Held here so that a configuration reload, which builds new integrations, starts with none.
    /// </summary>
    internal TokenMemo? TokenMemo { get; }
    public TimeSpan ClockSkew { get; }

    /// <summary>Accepted <c>iss</c> values, compared exactly (ordinal, no normalisation: RFC 7519 4.1.1, StringOrURI).</summary>
    public FrozenSet<string> Issuers { get; }

    /// <summary>The <c>aud</c> a token must name, compared exactly (no trailing-slash or case leniency: RFC 7519 4.1.3); null when not checked.</summary>
    public string? Audience { get; }

    /// <summary>Whether <c>iss</c> must be present and one of the configured issuers (always, except an OAuthApp integration without Issuers).</summary>
    public bool RequiresIssuer { get; }

    /// <summary>Whether <c>aud</c> must be present and the configured audience (always, except an OAuthApp integration without Audience).</summary>
    public bool RequiresAudience { get; }

    /// <summary>
    /// Whether a token without <c>jti</c> is refused. False only for OAuthApp: Jira's webhook tokens are not
    /// documented to carry one; a jti that is present is still accepted once, and without one a token is
    /// bounded by its <c>exp</c> and <see cref="MaxTokenLifetime"/>.
    /// </summary>
    public bool RequiresJti { get; }

    /// <summary>Facts every accepted request of this integration adds to the event record (<see cref="CallerInfo.Context"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Context { get; } = [];

    /// <summary>For <see cref="VerificationMethod.Forge"/>: the app id the token's <c>aud</c> and <c>app.id</c> must name; null otherwise.</summary>
    public string? ForgeAppId { get; }
    /// <summary>For <see cref="VerificationMethod.Connect"/>: the app's base URL, tenants and install keys; null otherwise.</summary>
    public Connect.ConnectApp? Connect { get; }
}
