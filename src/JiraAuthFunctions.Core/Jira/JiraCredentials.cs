using System.Collections.Concurrent;
using JiraAuthFunctions.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Jira;

/// <summary>
/// Each connection's <see cref="IJiraCredential"/>, chosen once per connection from its
/// <see cref="JiraConnectionOptions.Auth"/>: the one place that maps a kind to its type.
/// </summary>
public sealed class JiraCredentials
{
    private readonly ConcurrentDictionary<string, IJiraCredential> _byName = new(StringComparer.Ordinal);
    private readonly IOptions<JiraOptions> _options;
    private readonly ISecretStore _store;
    private readonly JiraTokenRenewer _renewer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    internal JiraCredentials(IOptions<JiraOptions> options, ISecretStore store, JiraTokenRenewer renewer, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _store = store;
        _renewer = renewer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The credential of a configured connection.</summary>
    public IJiraCredential Get(string connection) => _byName.GetOrAdd(connection, Create);

    private IJiraCredential Create(string name)
    {
        if (!_options.Value.Connections.TryGetValue(name, out var settings))
        {
            throw new ArgumentException($"No Jira connection '{name}' is configured.", nameof(name));
        }

        return JiraTokenGrant.For(settings.Auth) is { } grant
            ? new OAuthTokenCredential(name, settings, grant, _store, _renewer)
            : new StoredTokenCredential(name, settings, _store, _timeProvider, _logger);
    }
}
