using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Jira;

/// <summary>The log lines of the connections' credentials (event ids 450-455). Names, versions, dates and scopes only; never a token.</summary>
internal static partial class JiraCredentialsLog
{
    [LoggerMessage(EventIds.JiraScopeMissing, LogLevel.Error, "Jira connection {Connection} stopped: reason {Reason}: the token endpoint granted {Granted} but the connection requires {MissingScopes} as well. Nothing is sent to Jira until a grant has them: add the scopes to the {Auth} credential (or consent again), or remove them from RequiredScopes.", EventName = "JiraScopeMissing")]
    public static partial void ScopeMissing(ILogger logger, string connection, string reason, string missingScopes, string granted, JiraAuthKind auth);

    [LoggerMessage(EventIds.JiraCredentialExpiring, LogLevel.Warning, "The {What} of Jira connection {Connection} ({SecretName}) expires {ExpiresOn:O}, in {DaysLeft} days: reason {Reason}. Create a new one in Atlassian and store it as a new version of {SecretName} with its expiry.", EventName = "JiraCredentialExpiring")]
    public static partial void CredentialExpiring(ILogger logger, string connection, string what, string secretName, DateTimeOffset expiresOn, int daysLeft, string reason);

    [LoggerMessage(EventIds.JiraCredentialRefused, LogLevel.Error, "Jira connection {Connection} stopped: reason {Reason} ({Detail}). {Remedy}", EventName = "JiraCredentialRefused")]
    public static partial void CredentialRefused(ILogger logger, string connection, string reason, string detail, string remedy);

    [LoggerMessage(EventIds.JiraCredentialExpired, LogLevel.Error, "Jira connection {Connection} has no usable {What} in {SecretName} (expires {ExpiresOn:O}; state {State}): nothing is sent to Jira. Create a new one and store it as a new version of {SecretName} with its expiry.", EventName = "JiraCredentialExpired")]
    public static partial void CredentialExpired(ILogger logger, string connection, string what, string secretName, DateTimeOffset? expiresOn, string state);

    [LoggerMessage(EventIds.JiraCredentialRejected, LogLevel.Error, "Jira answered 401 to the {What} of connection {Connection} ({SecretName} version {Version}): revoked, expired early, or the account lost access. Store a working token as a new version of {SecretName}.", EventName = "JiraCredentialRejected")]
    public static partial void CredentialRejected(ILogger logger, string connection, string what, string secretName, string version);

    [LoggerMessage(EventIds.JiraCredentialExpiryUnknown, LogLevel.Warning, "The {What} of Jira connection {Connection} ({SecretName}) has no expiry attribute, so no warning can come before it expires: set the secret's expiry to the token's.", EventName = "JiraCredentialExpiryUnknown")]
    public static partial void CredentialExpiryUnknown(ILogger logger, string connection, string what, string secretName);
}
