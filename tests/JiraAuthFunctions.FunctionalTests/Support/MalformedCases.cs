using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>One malformed request and what may answer it.</summary>
/// <param name="Statuses">The statuses that fit (never 500).</param>
/// <param name="AppAnswers">The app's endpoint decides (so a rejection has the generic body and one decision line); false where Kestrel or routing may answer first.</param>
/// <param name="Secrets">What the request carried that must not come back: tokens, shared secrets.</param>
/// <param name="StoredText">For an accepted event: text its stored record must contain (the body kept as received).</param>
public sealed record MalformedRow(RawRequest Request, int[] Statuses, bool AppAnswers, IReadOnlyList<string> Secrets, string? StoredText = null);

/// <summary>
/// The malformed-input table: every route the standalone host maps, every scheme's integration of
/// <see cref="AttackApp"/>, and input no honest sender makes (lone surrogate escapes, bytes that are
/// not UTF-8, a BOM, truncated or deeply nested JSON, numbers out of range, repeated members and
/// headers, odd content types, percent-encoding errors, very long headers and queries). Each row is
/// built with a credential that would pass, so the part under test is the one malformed thing.
/// </summary>
public static class MalformedCases
{
    /// <summary>Schemes with a token, and where it goes.</summary>
    private static readonly string[] TokenSchemes = ["hs", "rsa", "ec", "demo-rule", "jira-app", "forge", "connect", "connect-query", "installed", "uninstalled"];

    private static readonly string[] PostSchemes = [.. TokenSchemes, "hooks"];

    private static readonly string[] GetRoutes = ["/api/health", "/api/.well-known/jwks.json", "/"];

    // Escapes JSON allows but no UTF-16 string holds, and UTF-8 that is not UTF-8.
    private static readonly (string Name, byte[] Json)[] BadStrings =
    [
        ("lone high surrogate", "\"\\ud800\""u8.ToArray()),
        ("lone low surrogate", "\"\\udc00\""u8.ToArray()),
        ("reversed surrogate pair", "\"a\\udc00\\ud800b\""u8.ToArray()),
        ("invalid UTF-8 byte", [(byte)'"', 0xFF, (byte)'x', (byte)'"']),
        ("overlong UTF-8", [(byte)'"', 0xC0, 0x80, (byte)'"']),
        ("UTF-8 encoded surrogate", [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']),
    ];

    private static readonly (string Name, byte[] Json)[] BadNumbers =
    [
        ("1e400", "1e400"u8.ToArray()),
        ("-1", "-1"u8.ToArray()),
        ("2^63", "9223372036854775808"u8.ToArray()),
        ("-2^63-1", "-9223372036854775809"u8.ToArray()),
        ("a float", "1.5"u8.ToArray()),
        ("a string", "\"1700000000\""u8.ToArray()),
        ("null", "null"u8.ToArray()),
        ("an object", "{}"u8.ToArray()),
    ];

    private static readonly string[] BodyCases =
    [
        .. BadStrings.Select(s => "value " + s.Name),
        .. BadStrings.Take(3).Select(s => "member name " + s.Name),
        "BOM", "truncated", "deeply nested", "duplicate member", "empty", "JSON null", "JSON array", "number 1e400", "over the size limit",
    ];

    private static readonly string[] LifecycleBodyCases =
    [
        .. BadStrings.SelectMany(s => new[] { "clientKey " + s.Name, "baseUrl " + s.Name, "sharedSecret " + s.Name }),
        "duplicate clientKey", "duplicate sharedSecret",
    ];

    private static readonly string[] TokenCases =
    [
        .. new[] { "iss", "sub", "jti", "aud", "scope", "qsh", "header kid" }.SelectMany(c => BadStrings.Select(s => $"{c} {s.Name}")),
        .. BadStrings.Take(3).Select(s => "claim name " + s.Name),
        .. BadStrings.Take(3).Select(s => "header member name " + s.Name),
        .. new[] { "exp", "iat", "nbf" }.SelectMany(c => BadNumbers.Select(n => $"{c} {n.Name}")),
        "deeply nested claim", "payload of invalid UTF-8", "payload not JSON", "header of invalid UTF-8",
        "sub cut by the log clip inside a surrogate pair",
    ];

    private static readonly string[] RequestCases =
    [
        "content type multipart", "content type charset latin1", "no content type", "content type text/plain", "empty content type", "two content types",
        "huge header", "huge Authorization", "repeated Authorization", "repeated X-Hub-Signature",
        "path %", "path %zz", "path %C0%80", "path %ED%A0%80", "query percent errors", "long query", "query over the line limit",
        "GET", "PUT",
    ];

    private static readonly string[] ConnectQueryCases =
    [
        "jwt repeated, same token", "jwt repeated, good then junk", "jwt repeated, junk then good", "jwt empty", "jwt %", "jwt %zz", "jwt %ED%A0%80",
    ];

    private static readonly string[] GetCases =
    [
        "query percent errors", "query over the line limit", "huge header", "repeated Authorization", "path %ED%A0%80", "POST a malformed body",
    ];

    public static IEnumerable<string> Names =>
        PostSchemes.SelectMany(s => BodyCases.Select(c => $"{s} | body {c}"))
            .Concat(new[] { "installed", "uninstalled" }.SelectMany(s => LifecycleBodyCases.Select(c => $"{s} | body {c}")))
            .Concat(TokenSchemes.SelectMany(s => TokenCases.Select(c => $"{s} | token {c}")))
            .Concat(PostSchemes.SelectMany(s => RequestCases.Select(c => $"{s} | request {c}")))
            .Concat(ConnectQueryCases.Select(c => $"connect-query | query {c}"))
            .Concat(GetRoutes.SelectMany(r => GetCases.Select(c => $"GET {r} | {c}")))
            .Append("timer | POST a malformed body");

    public static MalformedRow Build(AttackApp f, string name)
    {
        var (target, change) = (name[..name.IndexOf(" | ", StringComparison.Ordinal)], name[(name.IndexOf(" | ", StringComparison.Ordinal) + 3)..]);
        if (target.StartsWith("GET ", StringComparison.Ordinal))
        {
            return GetRow(target[4..], change);
        }

        if (target == "timer")
        {
            // The retired custom handler's timer route: no longer served (404); the job runs on demand only from loopback.
            return new MalformedRow(new RawRequest("POST", "/CredentialsTimer") { Body = [0xFF, (byte)'{'], Headers = [new("Content-Type", "application/json")] }, [200, 400, 401, 404, 405], false, []);
        }

        var call = Call.For(f, target);
        var kind = change[..change.IndexOf(' ', StringComparison.Ordinal)];
        var what = change[(kind.Length + 1)..];
        var (statuses, appAnswers) = kind switch
        {
            "body" => Body(call, what),
            "token" => Token(call, what),
            "request" => Request(call, what),
            "query" => Query(call, what),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such case."),
        };
        var request = call.Render();
        return new MalformedRow(request, statuses, appAnswers, call.Secrets, call.StoredText);
    }

    private static MalformedRow GetRow(string path, string change)
    {
        var request = new RawRequest("GET", path);
        return change switch
        {
            "query percent errors" => new(request with { Target = path + "?a=%&b=%zz&c=%C0%80&d=%ED%A0%80&e" }, [200], false, []),
            "query over the line limit" => new(request with { Target = path + "?q=" + new string('q', 20_000) }, [414, 431, 400], false, []),
            "huge header" => new(request with { Headers = [new("X-Pad", new string('h', 40_000))] }, [431, 400], false, []),
            "repeated Authorization" => new(request with { Headers = [new("Authorization", "Bearer a.b.c"), new("Authorization", "Bearer d.e.f")] }, [200], false, []),
            "path %ED%A0%80" => new(request with { Target = path.TrimEnd('/') + "/%ED%A0%80" }, [400, 404, 405], false, []),
            "POST a malformed body" => new(request with { Method = "POST", Body = [0xEF, 0xBB, 0xBF, (byte)'{', 0xFF], Headers = [new("Content-Type", "application/json")] }, [404, 405], false, []),
            _ => throw new ArgumentOutOfRangeException(nameof(change), change, "No such case."),
        };
    }

    private static (int[], bool) Body(Call call, string what)
    {
        var lifecycle = call.Lifecycle;
        int[] refused = [400];
        var bad = BadStrings.FirstOrDefault(s => what.EndsWith(s.Name, StringComparison.Ordinal));
        switch (what)
        {
            case var _ when what.StartsWith("value ", StringComparison.Ordinal):
                call.Body[lifecycle ? "description" : "comment"] = call.Raw(bad.Json);
                // An escape JSON allows is stored as received; bytes that are not UTF-8 are not JSON.
                if (IsEscape(bad.Json))
                {
                    if (!lifecycle)
                    {
                        call.StoredText = Encoding.UTF8.GetString(bad.Json);
                        return ([202], true);
                    }

                    // An uninstall reads clientKey and baseUrl only; an install keeps every string member.
                    return (call.Scheme == "uninstalled" ? [204, 400] : refused, true);
                }

                return (refused, true);
            case var _ when what.StartsWith("member name ", StringComparison.Ordinal):
                call.Body[call.Raw(bad.Json)] = "x";
                if (!lifecycle)
                {
                    call.StoredText = Encoding.UTF8.GetString(bad.Json);
                    return ([202], true);
                }

                return (call.Scheme == "uninstalled" ? [204, 400] : refused, true);
            case var _ when what.StartsWith("clientKey ", StringComparison.Ordinal):
                call.Body["clientKey"] = call.Raw(bad.Json);
                return ([400, 401], true);
            case var _ when what.StartsWith("baseUrl ", StringComparison.Ordinal):
                call.Body["baseUrl"] = call.Raw([.. "\"https://site-"u8, .. bad.Json.AsSpan(1)]);
                return (refused, true);
            case var _ when what.StartsWith("sharedSecret ", StringComparison.Ordinal):
                call.Body["sharedSecret"] = call.Raw([.. "\"secret-"u8, .. bad.Json.AsSpan(1)]);
                return (refused, true);
            case "duplicate clientKey":
                // Parsers disagree on which one counts: refused, whichever this one would have read.
                call.Body.Remove("clientKey");
                call.Body[call.Raw("\"clientKey\""u8.ToArray())] = "jira:someone-else";
                call.Body[call.Raw("\"clientKey\""u8.ToArray())] = call.ClientKey;
                return ([400, 401], true);
            case "duplicate sharedSecret":
                var first = call.Secret(ConnectCalls.NewSecret());
                call.Body[call.Raw(Encoding.UTF8.GetBytes("\"sharedSecret\""))] = first;
                call.Body[call.Raw(Encoding.UTF8.GetBytes("\"sharedSecret\""))] = call.Secret(ConnectCalls.NewSecret());
                call.Body.Remove("sharedSecret");
                return (refused, true);
            case "BOM":
                call.BodyPrefix = [0xEF, 0xBB, 0xBF];
                return (refused, true);
            case "truncated":
                call.Truncate = true;
                return (refused, true);
            case "deeply nested":
                call.Body["deep"] = call.Raw(Encoding.ASCII.GetBytes(new string('[', 5000) + new string(']', 5000)));
                return (refused, true);
            case "duplicate member":
                if (lifecycle)
                {
                    call.Body[call.Raw("\"description\""u8.ToArray())] = "one";
                    call.Body[call.Raw("\"description\""u8.ToArray())] = "two";
                    return (refused, true);
                }

                call.Body[call.Raw("\"webhookEvent\""u8.ToArray())] = "jira:issue_created";
                return ([202, 400], true);
            case "empty":
                call.RawBody = [];
                return (refused, true);
            case "JSON null":
                call.RawBody = "null"u8.ToArray();
                return (refused, true);
            case "JSON array":
                call.RawBody = "[]"u8.ToArray();
                return (refused, true);
            case "number 1e400":
                call.Body[lifecycle ? "serverVersion" : "timestamp"] = call.Raw("1e400"u8.ToArray());
                return (lifecycle ? [204, 400] : [202, 400], true);
            case "over the size limit":
                call.Body["pad"] = new string('p', 1024 * 1024);
                return ([413], true);
            default:
                throw new ArgumentOutOfRangeException(nameof(what), what, "No such body case.");
        }
    }

    private static (int[], bool) Token(Call call, string what)
    {
        int[] refused = [401, 403];
        var accepted = call.Lifecycle ? 204 : 202;
        var bad = BadStrings.FirstOrDefault(s => what.EndsWith(" " + s.Name, StringComparison.Ordinal));
        var number = BadNumbers.FirstOrDefault(n => what.EndsWith(" " + n.Name, StringComparison.Ordinal));
        var claim = what[..what.IndexOf(' ', StringComparison.Ordinal)];
        switch (what)
        {
            case var _ when what.StartsWith("header kid ", StringComparison.Ordinal):
                call.Header["kid"] = call.Raw(bad.Json);
                return (refused, true);
            case var _ when what.StartsWith("claim name ", StringComparison.Ordinal):
                call.Claims[call.Raw(bad.Json)] = "x";
                return ([accepted, 401], true);
            case var _ when what.StartsWith("header member name ", StringComparison.Ordinal):
                call.Header[call.Raw(bad.Json)] = "x";
                return ([accepted, 401], true);
            case var _ when bad.Json is not null:
                call.Claims[claim] = call.Raw(bad.Json);
                return (refused, true);
            case var _ when number.Json is not null:
                call.Claims[claim] = call.Raw(number.Json);
                // An nbf or iat in the past (or absent, as null reads) may be fine; exp decides.
                return (claim == "exp" ? refused : [accepted, 401], true);
            case "sub cut by the log clip inside a surrogate pair":
                // A legitimate subject: clipped to 128 characters for the log and the record, it must not end in half a pair.
                call.Claims["sub"] = new string('s', 127) + "\U0001F600";
                return ([accepted], true);
            case "deeply nested claim":
                // 2,000 levels: still within the 8 KB token limit, so the reader meets them.
                call.Claims["deep"] = call.Raw(Encoding.ASCII.GetBytes(new string('[', 2000) + new string(']', 2000)));
                return (refused, true);
            case "payload of invalid UTF-8":
                call.RawPayload = [0xFF, 0xFE, 0xFD];
                return (refused, true);
            case "payload not JSON":
                call.RawPayload = "{\"iss\":"u8.ToArray();
                return (refused, true);
            case "header of invalid UTF-8":
                call.RawHeader = [(byte)'{', 0xC0, 0x80, (byte)'}'];
                return (refused, true);
            default:
                throw new ArgumentOutOfRangeException(nameof(what), what, "No such token case.");
        }
    }

    private static (int[], bool) Request(Call call, string what)
    {
        var accepted = call.Lifecycle ? 204 : 202;
        switch (what)
        {
            case "content type multipart":
                call.ContentType = "multipart/form-data; boundary=xyz";
                return ([415], true);
            case "content type charset latin1":
                call.ContentType = "application/json; charset=latin1";
                return ([415], true);
            case "no content type":
                call.ContentType = null;
                return ([415], true);
            case "content type text/plain":
                call.ContentType = "text/plain";
                return ([415], true);
            case "empty content type":
                call.ContentType = "";
                return ([415], true);
            case "two content types":
                call.Headers.Add(new("Content-Type", "text/plain"));
                return ([415], true);
            case "huge header":
                call.Headers.Add(new("X-Pad", new string('h', 40_000)));
                return ([431, 400], false);
            case "huge Authorization":
                call.AuthorizationOverride = (call.AuthScheme ?? "Bearer") + " " + new string('a', 10_000) + ".b.c";
                return (call.Scheme == "hooks" ? [202] : call.Scheme == "connect-query" ? [accepted, 401] : [401], true);
            case "repeated Authorization":
                call.RepeatAuthorization = true;
                return (call.Scheme == "hooks" ? [202] : call.Scheme == "connect-query" ? [accepted, 401] : [401], true);
            case "repeated X-Hub-Signature":
                call.Headers.Add(new("X-Hub-Signature", "sha256=" + new string('0', 64)));
                return (call.Scheme == "hooks" ? [401] : [accepted], true);
            case "path %":
            case "path %zz":
            case "path %C0%80":
            case "path %ED%A0%80":
                call.PathSuffix = what[5..];
                return ([400, 401, 404], false);
            case "query percent errors":
                call.Query += (call.Query.Length == 0 ? "" : "&") + "a=%&b=%zz&c=%C0%80&d=%ED%A0%80&e";
                return (call.Scheme.StartsWith("connect", StringComparison.Ordinal) || call.Lifecycle ? [401] : [accepted], true);
            case "long query":
                call.Query += (call.Query.Length == 0 ? "" : "&") + "q=" + new string('q', 6000);
                return (call.Scheme.StartsWith("connect", StringComparison.Ordinal) || call.Lifecycle ? [401] : [accepted], true);
            case "query over the line limit":
                call.Query += (call.Query.Length == 0 ? "" : "&") + "q=" + new string('q', 20_000);
                return ([414, 431, 400], false);
            case "GET":
            case "PUT":
                call.Method = what;
                return ([404, 405], false);
            default:
                throw new ArgumentOutOfRangeException(nameof(what), what, "No such request case.");
        }
    }

    private static (int[], bool) Query(Call call, string what)
    {
        var token = call.Token();
        call.TokenInQuery = false;
        call.NoToken = true;
        call.Secrets.Add(token);
        var jwt = what switch
        {
            "jwt repeated, same token" => $"jwt={token}&jwt={token}",
            "jwt repeated, good then junk" => $"jwt={token}&jwt=junk",
            "jwt repeated, junk then good" => $"jwt=junk&jwt={token}",
            "jwt empty" => "jwt=",
            "jwt %" => "jwt=%",
            "jwt %zz" => "jwt=%zz",
            "jwt %ED%A0%80" => "jwt=%ED%A0%80",
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "No such query case."),
        };
        call.Query += "&" + jwt;

        // Which of two tokens counts is where parsers disagree: neither is taken.
        return ([401], true);
    }

    private static bool IsEscape(byte[] json) => json.AsSpan().IndexOf((byte)'\\') >= 0;

    /// <summary>A request that would pass, taken apart so one piece can be broken.</summary>
    private sealed class Call
    {
        private readonly Dictionary<string, byte[]> _raw = new(StringComparer.Ordinal);

        public required string Scheme { get; init; }
        public required string Path { get; init; }
        public string Method { get; set; } = "POST";
        public string Query { get; set; } = "";
        public string PathSuffix { get; set; } = "";
        public Dictionary<string, object?> Header { get; init; } = [];
        public Dictionary<string, object?> Claims { get; init; } = [];
        public Func<byte[], byte[]>? Sign { get; init; }
        public string? AuthScheme { get; init; }
        public bool TokenInQuery { get; set; }
        public bool NoToken { get; set; }
        public bool Lifecycle { get; init; }
        public string ClientKey { get; init; } = "";
        public Dictionary<string, object?> Body { get; init; } = [];
        public byte[]? RawBody { get; set; }
        public byte[]? RawPayload { get; set; }
        public byte[]? RawHeader { get; set; }
        public byte[] BodyPrefix { get; set; } = [];
        public bool Truncate { get; set; }
        public string? ContentType { get; set; } = "application/json";
        public bool HubSignature { get; init; }
        public string? AuthorizationOverride { get; set; }
        public bool RepeatAuthorization { get; set; }
        public List<KeyValuePair<string, string>> Headers { get; } = [];
        public List<string> Secrets { get; } = [];
        public string? StoredText { get; set; }

        public static Call For(AttackApp f, string scheme)
        {
            var now = f.Now;
            Dictionary<string, object?> Event() => new()
            {
                ["webhookEvent"] = "jira:issue_updated",
                ["timestamp"] = 1718000000000,
                ["issue"] = new Dictionary<string, object?> { ["key"] = "OPS-1", ["fields"] = new Dictionary<string, object?> { ["summary"] = "Disk full" } },
            };
            Call Bearer(string integration, Dictionary<string, object?> header, Dictionary<string, object?> claims, Func<byte[], byte[]> sign) => new()
            {
                Scheme = scheme, Path = "/api/jira/events/" + integration, Header = header, Claims = claims, Sign = sign, AuthScheme = "Bearer", Body = Event(),
            };
            Call Connect(bool inQuery)
            {
                var secret = f.Tenants["jira:tenant-a"];
                return new Call
                {
                    Scheme = scheme, Path = ConnectCalls.AppPath + "/events/issue-created", Query = "user_id=5b10a&issue_key=OPS-1",
                    Header = new() { ["typ"] = "JWT", ["alg"] = "HS256" }, Claims = ConnectCalls.Claims(now, "jira:tenant-a", ConnectCalls.Qsh(ConnectCalls.EventCanonical)),
                    Sign = TestTokens.Hmac(secret), AuthScheme = "JWT", TokenInQuery = inQuery, Body = Event(),
                };
            }

            Call Lifecycle(string lifecycle)
            {
                var clientKey = "jira:malformed-" + Guid.NewGuid().ToString("N");
                var secret = ConnectCalls.NewSecret();
                var call = new Call
                {
                    Scheme = scheme, Path = $"{ConnectCalls.AppPath}/{lifecycle}", Lifecycle = true, ClientKey = clientKey,
                    Header = new() { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = AttackApp.InstallKid }, Claims = ConnectCalls.LifecycleClaims(now, clientKey, lifecycle),
                    Sign = TestTokens.Rsa(f.InstallKey), AuthScheme = "JWT",
                    Body = JsonSerializer.Deserialize<Dictionary<string, object?>>(ConnectCalls.Payload(clientKey, lifecycle == "installed" ? secret : null, lifecycle))!,
                };
                call.Secrets.Add(secret);
                return call;
            }

            return scheme switch
            {
                "hs" => Bearer("hs", f.HsHeader(), f.Claims(), TestTokens.Hmac(AttackApp.Secret)),
                "rsa" => Bearer("rsa", TestTokens.Header("RS256", AttackApp.RsaKid), f.Claims(), TestTokens.Rsa(AttackApp.Rsa)),
                "ec" => Bearer("ec", TestTokens.Header("ES256", AttackApp.EcKid), f.Claims(), TestTokens.Ecdsa(AttackApp.Ec)),
                "demo-rule" => Bearer(AttackApp.Rule, TestTokens.Header("HS256"), f.Claims(c => { c["iss"] = AttackApp.RuleIssuer; c["exp"] = (now + TimeSpan.FromDays(30)).ToUnixTimeSeconds(); }), TestTokens.Hmac(f.RuleSecret)),
                "jira-app" => Bearer(AttackApp.OAuthApp, TestTokens.Header("HS256"), f.WebhookClaims(), TestTokens.Hmac(AttackApp.ClientSecret)),
                "forge" => Bearer(AttackApp.Forge, TestTokens.Header("RS256", AttackApp.ForgeKid), f.ForgeClaims(), TestTokens.Rsa(AttackApp.ForgeRsa)),
                "hooks" => new Call { Scheme = scheme, Path = "/api/jira/events/" + AttackApp.Hooks, HubSignature = true, Body = Event() },
                "connect" => Connect(inQuery: false),
                "connect-query" => Connect(inQuery: true),
                "installed" => Lifecycle("installed"),
                "uninstalled" => Lifecycle("uninstalled"),
                _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "No such scheme."),
            };
        }

        /// <summary>A placeholder that <see cref="Json"/> replaces with the raw JSON bytes (a value, or a member name).</summary>
        public string Raw(byte[] json)
        {
            var placeholder = $"__raw{_raw.Count}__";
            _raw[placeholder] = json;
            return placeholder;
        }

        public string Secret(string secret)
        {
            Secrets.Add(secret);
            return secret;
        }

        public string Token()
        {
            var input = TestTokens.Encode(RawHeader ?? Json(Header)) + "." + TestTokens.Encode(RawPayload ?? Json(Claims));
            return input + "." + TestTokens.Encode(Sign!(Encoding.ASCII.GetBytes(input)));
        }

        public RawRequest Render()
        {
            var headers = new List<KeyValuePair<string, string>>();
            var query = Query;
            if (AuthScheme is not null && !NoToken)
            {
                var token = Token();
                Secrets.Add(token);
                if (TokenInQuery)
                {
                    query += (query.Length == 0 ? "" : "&") + "jwt=" + token;
                }
                else
                {
                    headers.Add(new("Authorization", AuthScheme + " " + token));
                }

                while (RepeatAuthorization && headers.Count(h => h.Key == "Authorization") < 2)
                {
                    headers.Add(new("Authorization", AuthScheme + " " + token));
                }
            }

            if (AuthorizationOverride is not null)
            {
                headers.RemoveAll(h => h.Key == "Authorization");
                headers.Add(new("Authorization", AuthorizationOverride));
            }

            var body = RawBody ?? [.. BodyPrefix, .. Json(Body)];
            if (Truncate)
            {
                body = body[..(body.Length / 2)];
            }

            if (HubSignature)
            {
                var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AttackApp.HookSecret), body));
                Secrets.Add(signature);
                headers.Add(new("X-Hub-Signature", signature));
                headers.Add(new("X-Atlassian-Webhook-Identifier", Guid.NewGuid().ToString()));
                if (RepeatAuthorization)
                {
                    headers.Add(new("Authorization", "Bearer a.b.c"));
                    headers.Add(new("Authorization", "Bearer d.e.f"));
                }
            }

            if (ContentType is not null)
            {
                headers.Insert(0, new("Content-Type", ContentType));
            }

            headers.AddRange(Headers);
            var target = Path + PathSuffix + (query.Length == 0 ? "" : "?" + query);
            return new RawRequest(Method, target) { Headers = headers, Body = body };
        }

        private byte[] Json(Dictionary<string, object?> members)
        {
            // Serialized with unique placeholder names and values, then the raw bytes put in their place.
            var json = JsonSerializer.SerializeToUtf8Bytes(members);
            foreach (var (placeholder, raw) in _raw)
            {
                var quoted = Encoding.ASCII.GetBytes($"\"{placeholder}\"");
                int at;
                while ((at = json.AsSpan().IndexOf(quoted)) >= 0)
                {
                    json = [.. json.AsSpan(0, at), .. raw, .. json.AsSpan(at + quoted.Length)];
                }
            }

            return json;
        }
    }
}
