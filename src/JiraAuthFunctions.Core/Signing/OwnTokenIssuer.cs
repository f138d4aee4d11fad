using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Signing;

/// <summary>
/// Tokens the app issues itself (for the automation it calls), signed ES256 with the current
/// signing key; verifiers fetch the public key from <c>/api/.well-known/jwks.json</c>.
/// </summary>
public sealed class OwnTokenIssuer(SigningKeyRing ring, TimeProvider timeProvider)
{
    public async Task<string> IssueAsync(string issuer, string audience, string subject, IEnumerable<string> scopes, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        (await IssueWithIdAsync(issuer, audience, subject, scopes, lifetime, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), cancellationToken).ConfigureAwait(false)).Token;

    /// <summary>A token with the given <paramref name="jti"/>; also says which key signed it (for the caller's log line).</summary>
    public async Task<(string Token, string Kid)> IssueWithIdAsync(string issuer, string audience, string subject, IEnumerable<string> scopes, TimeSpan lifetime, string jti, CancellationToken cancellationToken = default)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > ring.Options.MaxTokenLifetime)
        {
            // A longer token would outlive the time its key stays published.
            throw new ArgumentOutOfRangeException(nameof(lifetime), $"A token lives at most Signing:MaxTokenLifetime ({ring.Options.MaxTokenLifetime}).");
        }

        var key = await ring.GetCurrentAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("No current signing key yet: the credentials job creates one on its first run.");
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["jti"] = jti,
                ["scope"] = string.Join(' ', scopes),
            },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key.Key) { KeyId = key.Kid }, SecurityAlgorithms.EcdsaSha256),
        });
        return (token, key.Kid);
    }
}
