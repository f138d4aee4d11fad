namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// One sentence per reason code for the admin wiring a rule (<c>jiraauth check</c>): what it means and
/// what to do, in docs/runbook.md's words. A new reason code without a sentence here fails a test.
/// </summary>
public static class ReasonExplanations
{
    public static string Explain(this ReasonCode reason) => reason switch
    {
        ReasonCode.Accepted => "Every check passed: the endpoint would accept this request.",
        ReasonCode.MissingToken => "No Authorization: Bearer header (or JWT for Connect): fix the rule's headers.",
        ReasonCode.TokenTooLarge => "The token is over Inbound:MaxTokenBytes: the caller sends something that is not our token.",
        ReasonCode.MalformedToken => "Not three base64url segments of JSON objects, or a known claim of the wrong type: the pasted token is truncated or not a JWT, so mint and paste it again.",
        ReasonCode.DuplicateMember => "A header or claim name appears twice: a forged or broken token.",
        ReasonCode.EncryptedToken => "A JWE (five segments): the caller must send a signed JWT, not an encrypted one.",
        ReasonCode.AlgorithmNotAllowed => "The token's alg is not on the integration's Algorithms list (none, or HS256 at an RSA integration): an attack or a misconfigured signer.",
        ReasonCode.ForbiddenHeader => "The token carries jku, x5u, jwk or x5c: keys are never taken from the token, so the signer must drop the header.",
        ReasonCode.UnknownCriticalHeader => "The token lists crit extensions: the signer must not mark extensions critical.",
        ReasonCode.UnknownIntegration => "The URL's integration is not configured (or not for this route): check the rule's URL and Inbound:Integrations.",
        ReasonCode.UnknownKid => "No key with this kid: a secret version or key was rotated away or disabled, so mint a new token or check the JWKS.",
        ReasonCode.BadSignature => "Wrong secret or key, or a tampered token: the rule holds an old token or the secret was replaced, so mint with the current secret.",
        ReasonCode.KeysUnavailable => "The secret store or JWKS could not be read and nothing is held: check Key Vault, the JWKS host and /api/health (the caller gets 503 and retries).",
        ReasonCode.ReplayCheckUnavailable => "The shared replay table could not answer, so the token is refused rather than accepted unchecked: check the storage account's table service.",
        ReasonCode.MissingClaim => "exp, iss or aud is absent (for OAuthApp: exp, and iss/aud only when configured): the signer must set them.",
        ReasonCode.InvalidIssuer => "iss is not one of the integration's Issuers: compare the token's issuer with the configuration.",
        ReasonCode.InvalidAudience => "aud is not the integration's Audience: compare the token's audience with the configuration (a token of another integration fails here).",
        ReasonCode.TokenExpired => "exp has passed (after the clock skew): mint a new token, paste it into the rule, revoke the old one.",
        ReasonCode.TokenNotYetValid => "nbf is in the future: the signer's clock is ahead.",
        ReasonCode.IssuedInFuture => "iat is in the future: the signer's clock is ahead.",
        ReasonCode.LifetimeExceeded => "exp - iat is over MaxTokenLifetime: mint a token within the cap.",
        ReasonCode.MissingJti => "The token has no jti: every token needs one so it can be revoked.",
        ReasonCode.ReplayedJti => "A PerRequest token used twice: a retry with the same token or a replay; if Jira sends one token per rule, use LongLivedToken.",
        ReasonCode.RevokedToken => "The token is on the revocation list: expected after a revocation, otherwise mint a new token.",
        ReasonCode.InsufficientScope => "The token lacks a required scope: mint with --scope, or check RequiredScopes.",
        ReasonCode.UnsupportedMediaType => "The body is not JSON: set the rule's body to JSON.",
        ReasonCode.BodyTooLarge => "The body is over Inbound:MaxBodyBytes: send less issue data.",
        ReasonCode.NotAJiraEvent => "The body is not a webhook, Jira-format or Automation-format event: choose Issue data in the rule's body.",
        ReasonCode.SinkUnavailable => "The event could not be stored: the caller retries; check the storage account (queue) or the disk (file sink).",
        ReasonCode.QshMismatch => "Connect: the token's qsh is not the hash of this request's method, path and query: a token copied to another request, or a proxy that rewrites the query.",
        ReasonCode.UnknownTenant => "Connect: no installed tenant has the token's iss (clientKey): reinstall the app on that site.",
        ReasonCode.ContextQshNotAllowed => "Connect: a browser context token on a route not in ContextQshRoutes: server-to-server calls must carry the request's hash.",
        ReasonCode.ClientKeyMismatch => "Connect lifecycle: the payload's clientKey is not the signed token's iss: a forged or replayed lifecycle call, nothing was changed.",
        ReasonCode.InvalidLifecyclePayload => "Connect lifecycle: the body lacks clientKey, an https baseUrl or a sharedSecret, or is too large: nothing was changed.",
        ReasonCode.InstallKeyUnavailable => "Connect install: Atlassian's install-keys service failed or is backed off: the admin retries the install.",
        ReasonCode.SharedSecretLifecycle => "Connect lifecycle: signed with a shared secret instead of Atlassian's install key: the descriptor needs apiMigrations.signed-install, else treat the secret as leaked.",
        ReasonCode.ReplayedLifecycleToken => "Connect lifecycle: a signed lifecycle token already accepted once, sent again: nothing was changed.",
        ReasonCode.MissingSignature => "A WebhookSecret integration got no X-Hub-Signature header (or two): set the secret in Jira's webhook.",
        ReasonCode.MalformedSignature => "X-Hub-Signature is not sha256= and 64 hex digits: not Jira's signature.",
        ReasonCode.SignatureAlgorithmNotAllowed => "X-Hub-Signature names another algorithm than sha256: check what sends to this URL.",
        ReasonCode.ForgeAppMismatch => "A Forge token whose app.id is not the integration's AppId: compare the manifest's app.id with AppId.",
        ReasonCode.KeyAlgorithmMismatch => "The key the kid names verifies another algorithm than the header's alg (PS256 sent to an RS256 key, say): compare the signer's alg with the key's Algorithm, the JWK's alg or the EC curve.",
        ReasonCode.DuplicateDelivery => "A Jira retry of a delivery already stored: answered with the first event id, not stored again.",
        ReasonCode.WebhookRefreshFailed => "Listing or extending a connection's dynamic webhooks failed: retried every run; check the HTTP status in the log.",
        ReasonCode.WebhookExpired => "A dynamic webhook passed its 30-day expiry: the app that registered it must register it again.",
        ReasonCode.UnknownClient => "Token endpoint: no client with this id (or no id and secret sent): check the rule's client id, or run jiraauth client create.",
        ReasonCode.BadClientSecret => "Token endpoint: the client's secret does not match a usable version: paste the secret jiraauth client create|rotate printed.",
        ReasonCode.ClientRateLimited => "Token endpoint: too many failed attempts for this client within 5 minutes: wait for Retry-After, and fix the secret first.",
        ReasonCode.InvalidScope => "Token endpoint: a requested scope is not in the integration's AllowedScopes: ask for fewer scopes or allow them.",
        ReasonCode.UnsupportedGrantType => "Token endpoint: grant_type is not client_credentials.",
        ReasonCode.InvalidTokenRequest => "Token endpoint: not a form-urlencoded request with grant_type, each parameter once, and the client authenticated one way (Basic or body).",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Reason code without an explanation."),
    };
}
