using System.CommandLine;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.OAuth;
using JiraAuthFunctions.Signing;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Schemes.Connect;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Cli;

/// <summary>
/// <c>check &lt;integration&gt; --token &lt;t&gt; | --request-file &lt;file&gt;</c>: runs the checks the events
/// endpoint runs, with the integration's configuration, keys and revocations from the same settings
/// and data folder, and prints the reason code and what it means. It records nothing (no jti is used
/// up: <see cref="CheckOnlyReplayCache"/>) and never prints the token, the signature or a secret.
/// What it cannot know: whether the running app has already seen this jti (its replay state).
/// </summary>
internal static class CheckCommands
{
    private const string EventsPath = "/api/jira/events/";
    private const string ConnectPath = "/api/connect/";
    private const string TokenEndpointPath = "/api/oauth/token";

    public static Command Create(CliContext context)
    {
        var integration = new Argument<string>("integration") { Description = "The integration the request is for (the URL's last segment)." };
        var token = new Option<string?>("--token") { Description = "The bearer token to check, as POST /api/jira/events/<integration> would receive it." };
        var requestFile = new Option<string?>("--request-file")
        {
            Description = "A whole HTTP request to check (signed webhooks, Connect, body checks, or a token request to POST /api/oauth/token): request line (POST /api/... HTTP/1.1), headers, an empty line, the exact body.",
        };

        var check = new Command("check", "Explain why the events endpoint would accept or refuse a request, without sending it and without using up its jti.") { integration, token, requestFile };
        check.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(integration)!;
            var (tokenValue, file) = (parse.GetValue(token), parse.GetValue(requestFile));
            if ((tokenValue is null) == (file is null))
            {
                context.Error.WriteLine("Give exactly one of --token or --request-file.");
                return 2;
            }

            var settings = context.Settings(parse);
            var written = file is null ? null : ReadRequestFile(await File.ReadAllBytesAsync(file, cancellationToken));
            if (file is not null && written is null)
            {
                context.Error.WriteLine("The request file must start with a request line (POST /api/jira/events/<integration> HTTP/1.1), then headers, an empty line and the body.");
                return 2;
            }

            if (written?.Path == TokenEndpointPath)
            {
                return await CheckTokenRequestAsync(context, settings, name, written, cancellationToken);
            }

            var request = written is null ? BearerRequest(name, tokenValue!) : written.ToInbound();
            var (reason, caller) = await CheckAsync(context, settings, name, request, bodyChecks: file is not null, cancellationToken);
            context.Output.WriteLine($"reason: {reason.ToCode()}");
            context.Output.WriteLine(reason.Explain());
            if ((caller.Kid ?? caller.Issuer ?? caller.Subject ?? caller.JtiHash) is not null)
            {
                context.Output.WriteLine($"caller: kid {caller.Kid ?? "-"}, issuer {caller.Issuer ?? "-"}, subject {caller.Subject ?? "-"}, jti hash {caller.JtiHash ?? "-"}");
            }

            if (settings.Inbound.Integrations.TryGetValue(name, out var options) && options.Replay == ReplayProtection.PerRequest && reason == ReasonCode.Accepted)
            {
                context.Output.WriteLine("Not checked: whether the app has accepted this jti before (replayed_jti); this check did not use it up.");
            }

            return reason == ReasonCode.Accepted ? 0 : 1;
        });

        return check;
    }

    /// <summary>The endpoint's order: the route, the body first for schemes that sign it, the authentication, then the body.</summary>
    private static async Task<(ReasonCode Reason, CallerInfo Caller)> CheckAsync(CliContext context, CliSettings settings, string name, InboundRequest request, bool bodyChecks, CancellationToken cancellationToken)
    {
        var time = context.TimeProvider;
        var inbound = Options.Create(settings.Inbound);
        var store = settings.SecretStore(time);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var registry = IntegrationRegistry.Create(settings.Inbound, store, http, time, NullLoggerFactory.Instance, ownKeys: new SigningKeyRing(store, Options.Create(settings.Signing), time));
        var tokens = new TokenValidator(registry, new CheckOnlyReplayCache(), settings.Revocations(time), inbound, time);
        var handlers = new SchemeHandlers(new Dictionary<Type, object>
        {
            [typeof(BearerScheme)] = new BearerScheme(tokens),
            [typeof(ConnectScheme)] = new ConnectScheme(new ConnectTokenValidator(inbound, time)),
            [typeof(WebhookSignatureVerifier)] = new WebhookSignatureVerifier(),
        });
        var authenticator = new RequestAuthenticator(registry, new InboundSchemes(BuiltInSchemes.All, handlers), tokens);

        // The body of a request file is at hand: a scheme that signs it gets it within the endpoint's limit.
        var body = request.Body;
        request = new InboundRequest
        {
            Method = request.Method,
            Path = request.Path,
            Query = request.Query,
            Header = request.Header,
            ReadBody = _ => ValueTask.FromResult<ReadOnlyMemory<byte>?>(body.Length > settings.Inbound.MaxBodyBytes ? null : body),
        };
        var route = request.Path.StartsWith(ConnectPath, StringComparison.Ordinal) ? ConnectScheme.EventsRoute : InboundSchemeOptions.DefaultEventsRoute;
        var check = await authenticator.AuthenticateAsync(name, route, request, cancellationToken);
        if (!check.Succeeded || !bodyChecks)
        {
            return (check.Reason, check.Caller);
        }

        if (!IsJson(request.Header("Content-Type")))
        {
            return (ReasonCode.UnsupportedMediaType, check.Caller);
        }

        if (body.Length > settings.Inbound.MaxBodyBytes)
        {
            return (ReasonCode.BodyTooLarge, check.Caller);
        }

        // The endpoint's classifier on the same bytes (UTF-8, depth, one value, top-level shape).
        return (JiraEventClassifier.Classify(body.Span) == JiraEventFormat.Unknown ? ReasonCode.NotAJiraEvent : ReasonCode.Accepted, check.Caller);
    }

    private static InboundRequest BearerRequest(string integration, string token) => new()
    {
        Method = "POST",
        Path = EventsPath + integration,
        Header = header => header.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " + token : null,
    };

    /// <summary>
    /// A token request (<c>POST /api/oauth/token</c>): the endpoint's checks in its order (the form, the
    /// grant type, the client id, the secret against the stored hashes in constant time, the scope),
    /// without issuing a token. What it cannot know: the failures the running app has counted for this
    /// client (its rate limit), so a wrong secret it calls bad_client_secret may get 429 there.
    /// </summary>
    private static async Task<int> CheckTokenRequestAsync(CliContext context, CliSettings settings, string name, RequestFile file, CancellationToken cancellationToken)
    {
        var time = context.TimeProvider;
        var store = settings.SecretStore(time);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ring = new SigningKeyRing(store, Options.Create(settings.Signing), time);
        var registry = IntegrationRegistry.Create(settings.Inbound, store, http, time, NullLoggerFactory.Instance, ownKeys: ring);
        var grant = new ClientCredentialsGrant(registry, new ClientSecrets(store, time), new ClientRateLimiter(time), new OwnTokenIssuer(ring, time));

        var request = file.Method == "POST" && TokenRequestReader.IsForm(file.Header("Content-Type"))
            ? TokenRequestReader.Read(file.HeaderValues("Authorization"), file.Body.Span)
            : null;
        var result = request is null
            ? new TokenGrant(ReasonCode.InvalidTokenRequest, ClientRateLimiter.UnknownClients, ClientRateLimiter.UnknownClients)
            : await grant.CheckAsync(request, cancellationToken);

        context.Output.WriteLine($"reason: {result.Reason.ToCode()}");
        context.Output.WriteLine(result.Reason.Explain());
        if (result.ClientId != ClientRateLimiter.UnknownClients)
        {
            // A known client's id, as the endpoint logs it; never the secret.
            context.Output.WriteLine($"client: {result.ClientId} of {result.Integration}{(result.Succeeded ? ", scope " + result.Scope : "")}");
        }

        if (result.Integration != ClientRateLimiter.UnknownClients && result.Integration != name)
        {
            context.Output.WriteLine($"Note: the client id is {result.Integration}'s, not {name}'s.");
        }

        if (result.Succeeded || result.Reason == ReasonCode.BadClientSecret)
        {
            context.Output.WriteLine("Not checked: the failures the app has counted for this client (after 5 in 5 minutes a wrong secret gets 429 client_rate_limited); this check counted none.");
        }

        return result.Succeeded ? 0 : 1;
    }

    /// <summary>A request as written in a file: request line, headers (every value), empty line, body (exact bytes).</summary>
    internal sealed record RequestFile(string Method, string Path, string Query, Dictionary<string, List<string>> Headers, ReadOnlyMemory<byte> Body)
    {
        public IReadOnlyList<string?> HeaderValues(string name) => Headers.TryGetValue(name, out var values) ? values : [];

        // As the endpoint reads headers: a header sent twice counts as absent.
        public string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

        public InboundRequest ToInbound() => new() { Method = Method, Path = Path, Query = Query, Header = Header, Body = Body };
    }

    internal static RequestFile? ReadRequestFile(byte[] file)
    {
        var (headEnd, bodyStart) = IndexOf(file, "\r\n\r\n"u8) is var crlf and >= 0 ? (crlf, crlf + 4)
            : IndexOf(file, "\n\n"u8) is var lf and >= 0 ? (lf, lf + 2)
            : (file.Length, file.Length);
        var lines = Encoding.UTF8.GetString(file, 0, headEnd).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var requestLine = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (requestLine.Length is < 2 or > 3 || !requestLine[1].StartsWith('/'))
        {
            return null;
        }

        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            var headerName = line[..colon].Trim();
            if (!headers.TryGetValue(headerName, out var values))
            {
                headers[headerName] = values = [];
            }

            values.Add(line[(colon + 1)..].Trim());
        }

        var target = requestLine[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return new RequestFile(
            requestLine[0].ToUpperInvariant(),
            query >= 0 ? target[..query] : target,
            query >= 0 ? target[(query + 1)..] : "",
            headers,
            file.AsMemory(bodyStart));
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> value) => data.AsSpan().IndexOf(value);

    // The endpoint's rule: application/json or a +json type, UTF-8 if a charset is named.
    private static bool IsJson(string? contentType) =>
        System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
        mediaType.MediaType is { } type &&
        (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)) &&
        (mediaType.CharSet is null || mediaType.CharSet.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The scheme handlers of <c>check</c>, built by hand (the CLI has no container).</summary>
internal sealed class SchemeHandlers(Dictionary<Type, object> handlers) : IServiceProvider
{
    public object? GetService(Type serviceType) => handlers.GetValueOrDefault(serviceType);
}
