namespace JiraAuthFunctions.Inbound;

/// <summary>Checks the bearer token of a request for an integration.</summary>
public interface ITokenValidator
{
    ValueTask<TokenCheck> ValidateAsync(string integrationName, string? token, CancellationToken cancellationToken = default);
}
