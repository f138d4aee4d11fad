using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>One configured integration, ready to check tokens: built once at start, read-only after.</summary>
public sealed class Integration
{
    public Integration(string name, IntegrationOptions options, ISigningKeySource keys, TimeSpan clockSkew)
    {
        Name = name;
        Keys = keys;
        Verification = options.Verification!.Value;
        List<string> algorithms = options.Algorithms.Count == 0 && Verification == VerificationMethod.OAuthApp ? ["HS256"] : options.Algorithms;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        RequiredScopes = [.. options.RequiredScopes];
        MaxTokenLifetime = options.MaxTokenLifetime;
        Replay = options.Replay;
        ClockSkew = clockSkew;
        RequiresIssuer = options.Issuers.Count > 0;
        RequiresAudience = !string.IsNullOrEmpty(options.Audience);
        RequiresJti = Verification != VerificationMethod.OAuthApp;
        if (Verification == VerificationMethod.OAuthApp)
        {
            Context = [new("jira.connection", options.JiraConnection!)];
        }

        // Built once and shared by every request: IdentityModel's Validators only read it.
        Parameters = new TokenValidationParameters
        {
            ValidIssuers = [.. options.Issuers],
            ValidAudience = options.Audience,
            ValidAlgorithms = [.. algorithms],
            ValidateIssuer = RequiresIssuer,
            ValidateAudience = RequiresAudience,
            ClockSkew = clockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        };
    }

    public string Name { get; }
    public VerificationMethod Verification { get; }
    public ISigningKeySource Keys { get; }
    public FrozenSet<string> Algorithms { get; }
    public string[] RequiredScopes { get; }
    public TimeSpan MaxTokenLifetime { get; }
    public ReplayProtection Replay { get; }
    public TimeSpan ClockSkew { get; }
    public TokenValidationParameters Parameters { get; }

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
}
