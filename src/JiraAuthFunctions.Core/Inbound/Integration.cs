using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Inbound;

/// <summary>One configured integration, ready to check tokens: built once at start, read-only after.</summary>
public sealed class Integration
{
    public Integration(string name, IntegrationOptions options, ISigningKeySource keys, TimeSpan clockSkew, Connect.ConnectApp? connect = null)
    {
        Connect = connect;
        Name = name;
        Keys = keys;
        Verification = options.Verification!.Value;
        Algorithms = options.Algorithms.ToFrozenSet(StringComparer.Ordinal);
        RequiredScopes = [.. options.RequiredScopes];
        MaxTokenLifetime = options.MaxTokenLifetime;
        Replay = options.Replay;
        ClockSkew = clockSkew;

        // Built once and shared by every request: IdentityModel's Validators only read it.
        Parameters = new TokenValidationParameters
        {
            ValidIssuers = [.. options.Issuers],
            ValidAudience = options.Audience,
            ValidAlgorithms = [.. options.Algorithms],
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

    /// <summary>For <see cref="VerificationMethod.Connect"/>: the app's base URL, tenants and install keys; null otherwise.</summary>
    public Connect.ConnectApp? Connect { get; }
}
