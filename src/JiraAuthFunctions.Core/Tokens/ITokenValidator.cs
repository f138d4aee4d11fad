using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tokens;

/// <summary>Checks the bearer token of a request for an integration.</summary>
public interface ITokenValidator
{
    /// <summary>
    /// The decision for one token. An accepted per-request token's jti is held, not yet recorded:
    /// the caller commits or releases <see cref="TokenCheck.Reservation"/>.
    /// </summary>
    ValueTask<TokenCheck> ValidateAsync(string integrationName, string? token, CancellationToken cancellationToken = default);

    /// <summary>The same decision for an integration already resolved (a scheme's call): no second lookup by name.</summary>
    ValueTask<TokenCheck> ValidateAsync(Integration integration, string? token, CancellationToken cancellationToken = default) =>
        ValidateAsync(integration.Name, token, cancellationToken);
}
