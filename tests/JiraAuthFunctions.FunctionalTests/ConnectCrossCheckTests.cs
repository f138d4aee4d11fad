using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using JiraAuthFunctions.FunctionalTests.Support;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;

namespace JiraAuthFunctions.FunctionalTests;

/// <summary>
/// Connect tokens and query string hashes made by the atlassian-jwt npm package (what Atlassian's
/// own Node framework uses) over generated URLs with awkward paths and queries must verify at the
/// running app; a token hashed for another method, path or query must fail with qsh_mismatch.
/// Where a query has names that need percent-encoding, the Node package sorts the decoded names
/// while Jira (Atlassian's Java canonicaliser) sorts the encoded ones: there the Node token must
/// fail and a token over Node's parameters in Jira's order (re-sorted here by encoded name) must verify.
/// Requests go over a raw socket so the target reaches the app byte for byte as node hashed it
/// (an HTTP client library would normalize paths).
/// </summary>
public sealed class ConnectCrossCheckTests(AttackApp f) : IClassFixture<AttackApp>
{
    private const string Tenant = "jira:tenant-a";

    private static readonly string[] Segments =
    [
        "issue-created", "a&b", "%20", "%C3%A9t%C3%A9", "%E2%9C%93", "x%2Fy", "%26", "~user", "a.b", "(x)", "!$", "a,b", ";v=1", ":@", "%F0%9F%98%80", "UPPER", "a=b", "+plus",
    ];

    private static readonly string[] Keys = ["a", "b", "A", "key%20with%20space", "%C3%A9", "x+y", "e", "dup", "jwt-not", "%26amp", "Z", "_", "%5B", "a%5Bb%5D"];

    private static readonly string[] Values = ["1", "", "a+b", "%2B", "%C3%BC", "%E2%82%AC", "x%3Dy", "%26", "~", "A", "b", "%F0%9F%98%80", "a,b", "%20lead", "0"];

    [Fact]
    public async Task Atlassian_jwt_tokens_verify_and_any_change_of_method_path_or_query_is_a_qsh_mismatch()
    {
        var random = new Random(20261201);
        var targets = Enumerable.Range(0, 40).Select(_ => Target(random)).Distinct().ToList();

        // For each target: the token for it, then tokens hashed for a changed method, path and query.
        var requests = new List<(string Method, string Target)>();
        foreach (var target in targets)
        {
            var (path, query) = Split(target);
            requests.Add(("POST", target));
            requests.Add(("PUT", target));
            requests.Add(("POST", path + "x" + query));
            requests.Add(("POST", target + (query.Length == 0 ? "?" : "&") + "zz=1"));
            requests.Add(("POST", query.Length == 0 ? target + "?a=" : path + "?k" + query[1..])); // the first name changed
        }

        var signed = await SignAsync(requests);

        var failures = new List<string>();
        var accepted = 0;
        var differing = 0;
        for (var i = 0; i < requests.Count; i++)
        {
            var target = targets[i / 5];
            var inQuery = (i / 5) % 2 == 1;
            var jiraCanonical = InJirasOrder(signed[i].Canonical);
            var agree = jiraCanonical == signed[i].Canonical;
            var (expectedStatus, expectedReason) = i % 5 == 0 && agree ? (202, "accepted") : (401, "qsh_mismatch");
            accepted += await CheckAsync(i, "node", signed[i].Token, expectedStatus, expectedReason) ? 1 : 0;
            if (i % 5 == 0 && !agree)
            {
                differing++;
                var claims = ConnectCalls.Claims(f.Now, Tenant, ConnectCalls.Qsh(jiraCanonical));
                accepted += await CheckAsync(i, "jira-order", f.Connect(ConnectCalls.Hs(claims, f.Tenants[Tenant])), 202, "accepted") ? 1 : 0;
            }

            async Task<bool> CheckAsync(int index, string kind, string token, int expectedStatus, string expectedReason)
            {
                var sent = inQuery ? target + (target.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "jwt=" + token : target;
                var invocation = $"xcheck-{index}-{kind}";
                var status = await RawPostAsync(sent, inQuery ? null : "JWT " + token, invocation);
                var decision = Assert.Single(f.App.Logs.Entries, e => e.EventId.Id is EventIds.EventAccepted or EventIds.RequestRejected && e["RequestId"] == invocation);
                var reason = decision.EventId.Id == EventIds.EventAccepted ? "accepted" : decision["Reason"];
                if (status != expectedStatus || reason != expectedReason)
                {
                    failures.Add($"{kind} {requests[index].Method} {requests[index].Target} sent as {sent[..Math.Min(sent.Length, 200)]}: {status} {reason}; node canonical {signed[index].Canonical}");
                }

                return status == 202;
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(targets.Count, accepted);
        Assert.True(targets.Count >= 35, $"only {targets.Count} distinct targets");
        Assert.InRange(differing, 3, targets.Count - 20); // both kinds are covered
    }

    /// <summary>
    /// Node's canonical request with its parameters in the order Jira's Java canonicaliser uses:
    /// by percent-encoded name, ordinal (Node's pieces are already encoded; each name occurs once).
    /// </summary>
    private static string InJirasOrder(string nodeCanonical)
    {
        var parts = nodeCanonical.Split('&'); // method, path ('&' in it is %26), then the parameters
        var parameters = parts[2..].Where(p => p.Length > 0).OrderBy(p => p[..p.IndexOf('=', StringComparison.Ordinal)], StringComparer.Ordinal);
        return $"{parts[0]}&{parts[1]}&{string.Join("&", parameters)}";
    }

    private static string Target(Random random)
    {
        var path = new StringBuilder(ConnectCalls.AppPath + "/events");
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            path.Append('/').Append(Segments[random.Next(Segments.Length)]);
        }

        if (random.Next(4) == 0)
        {
            path.Append('/');
        }

        var pairs = new List<string>();
        for (var i = random.Next(0, 6); i > 0; i--)
        {
            var key = Keys[random.Next(Keys.Length)];
            pairs.Add(random.Next(6) == 0 ? key : key + "=" + Values[random.Next(Values.Length)]);
            if (random.Next(4) == 0)
            {
                pairs.Add(key + "=" + Values[random.Next(Values.Length)]); // a repeated key
            }
        }

        return pairs.Count == 0 ? path.ToString() : path + "?" + string.Join("&", pairs);
    }

    private static (string Path, string Query) Split(string target) =>
        target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? (target[..q], target[q..]) : (target, "");

    private async Task<List<(string Canonical, string Token)>> SignAsync(List<(string Method, string Target)> requests)
    {
        var input = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["baseUrl"] = ConnectCalls.BaseUrl,
            ["secret"] = f.Tenants[Tenant],
            ["claims"] = ConnectCalls.Claims(f.Now, Tenant, "replaced-by-node").Where(c => c.Key != "qsh").ToDictionary(),
            ["requests"] = requests.Select(r => new Dictionary<string, string> { ["method"] = r.Method, ["url"] = "https://connect.example.test" + r.Target }).ToList(),
        });
        using var output = JsonDocument.Parse(await NodeTools.RunScriptAsync("atlassian-connect-sign.mjs", input));
        return [.. output.RootElement.EnumerateArray().Select(e => (e.GetProperty("canonical").GetString()!, f.Connect(e.GetProperty("token").GetString()!)))];
    }

    /// <summary>One HTTP/1.1 POST written by hand; the status code of the answer.</summary>
    private async Task<int> RawPostAsync(string target, string? authorization, string invocationId)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(f.App.BaseAddress.Host, f.App.BaseAddress.Port);
        await using var stream = client.GetStream();
        var body = Encoding.UTF8.GetBytes(Http.WebhookEvent);
        var head = new StringBuilder()
            .Append("POST ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(f.App.BaseAddress.Authority).Append("\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append(TestRequestIds.Header).Append(": ").Append(invocationId).Append("\r\n")
            .Append("Connection: close\r\n");
        if (authorization is not null)
        {
            head.Append("Authorization: ").Append(authorization).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        await stream.WriteAsync(body);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? throw new InvalidOperationException("no response");
        await reader.ReadToEndAsync();
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
