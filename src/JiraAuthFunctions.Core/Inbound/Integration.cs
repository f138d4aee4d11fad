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

        // Forge fixes issuer, audience (the app id) and algorithm; every other bearer scheme configures them.
        var (issuers, audience, algorithms) = Verification == VerificationMethod.Forge
            ? ForgeInvocationToken.Profile(options.AppId!)
            : (options.Issuers, options.Audience, options.Algorithms);
        ForgeAppId = Verification == VerificationMethod.Forge ? options.AppId : null;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        RequiredScopes = [.. options.RequiredScopes];
        MaxTokenLifetime = options.MaxTokenLifetime;
        Replay = options.Replay;
        ClockSkew = clockSkew;

        // Built once and shared by every request: IdentityModel's Validators only read it.
        Parameters = new TokenValidationParameters
        {
            ValidIssuers = [.. issuers],
            ValidAudience = audience,
            ValidAlgorithms = [.. algorithms],
            ValidateIssuer = true,
            ValidateAudience = true,
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

    /// <summary>For <see cref="VerificationMethod.Forge"/>: the app id the token's <c>aud</c> and <c>app.id</c> must name; null otherwise.</summary>
    public string? ForgeAppId { get; }
}
