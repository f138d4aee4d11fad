using System.Security.Cryptography;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Keys;

namespace JiraAuthFunctions.Core.Tests.Keys;

/// <summary>The JWKS key source against a real HTTP server on loopback.</summary>
public sealed class JwksKeySourceTests : IAsyncLifetime
{
    private static readonly RSA Rsa1 = RSA.Create(2048);
    private static readonly ECDsa Ec1 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa Ec2 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly TimeSpan Refresh = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinRefetch = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly SignalLogger<JwksKeySource> _log = new();
    private readonly HttpClient _http = new();
    private JwksServer _server = null!;
    private JwksKeySource _source = null!;

    public async Task InitializeAsync()
    {
        _server = await JwksServer.StartAsync();
        Serve(TestTokens.PublicJwk(Rsa1, "rsa-1", "RS256"), TestTokens.PublicJwk(Ec1, "ec-1"));
        _source = new JwksKeySource(_http, _server.Uri, Refresh, MinRefetch, _time, _log);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private void Serve(params string[] jwks)
    {
        var body = TestTokens.Jwks(jwks);
        _server.Respond = () => (200, body);
    }

    [Fact]
    public async Task Keys_are_found_by_kid_after_one_fetch()
    {
        var rsa = await _source.GetKeysAsync("rsa-1");
        var ec = await _source.GetKeysAsync("ec-1");

        Assert.Equal("rsa-1", Assert.Single(rsa.Keys).Kid);
        Assert.Equal("ec-1", Assert.Single(ec.Keys).Kid);
        Assert.Equal(1, _server.Hits);
    }

    [Fact]
    public async Task A_flood_of_unknown_kids_causes_at_most_one_fetch_per_interval()
    {
        await _source.GetKeysAsync("rsa-1");
        var justLoaded = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _source.GetKeysAsync($"made-up-{i}").AsTask()));
        Assert.Equal(1, _server.Hits); // the set was fetched less than an interval ago: no refetch at all
        _time.Advance(MinRefetch);

        var lookups = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _source.GetKeysAsync($"made-up-{i}").AsTask()));

        Assert.All(justLoaded.Concat(lookups), l => Assert.Empty(l.Keys));
        Assert.Equal(2, _server.Hits); // one refetch for all hundred
        _time.Advance(MinRefetch);
        await _source.GetKeysAsync("made-up-again");
        Assert.Equal(3, _server.Hits);
    }

    [Fact]
    public async Task A_new_kid_published_by_the_host_is_found_by_a_refetch()
    {
        await _source.GetKeysAsync("rsa-1");
        Serve(TestTokens.PublicJwk(Rsa1, "rsa-1", "RS256"), TestTokens.PublicJwk(Ec2, "ec-2"));
        _time.Advance(MinRefetch);

        var lookup = await _source.GetKeysAsync("ec-2");

        Assert.Equal("ec-2", Assert.Single(lookup.Keys).Kid);
    }

    [Fact]
    public async Task An_old_key_set_is_refreshed_in_the_background_while_it_keeps_serving()
    {
        await _source.GetKeysAsync("ec-1");
        Serve(TestTokens.PublicJwk(Ec2, "ec-2"));
        _time.Advance(Refresh);

        var during = await _source.GetKeysAsync("ec-1");

        Assert.Single(during.Keys); // served from the held set, not waiting for the fetch
        Assert.True(await _log.WaitForAsync(EventIds.JwksRefreshed, 2, TimeSpan.FromSeconds(10)));
        Assert.Empty((await _source.GetKeysAsync("ec-1")).Keys);
        Assert.Single((await _source.GetKeysAsync("ec-2")).Keys);
    }

    [Theory]
    [InlineData(500, """{"error":"boom"}""")]
    [InlineData(200, "this is not json")]
    [InlineData(404, "")]
    public async Task A_failed_fetch_keeps_the_last_good_set_and_says_so(int status, string body)
    {
        await _source.GetKeysAsync("rsa-1");
        _server.Respond = () => (status, body);
        _time.Advance(MinRefetch);

        var unknown = await _source.GetKeysAsync("unknown-kid");
        var known = await _source.GetKeysAsync("rsa-1");

        Assert.Empty(unknown.Keys);
        Assert.False(unknown.Unavailable);
        Assert.Single(known.Keys);
        Assert.Equal(1, _log.Count(EventIds.JwksRefreshFailed));
    }

    [Fact]
    public async Task With_no_key_set_ever_loaded_the_source_is_unavailable()
    {
        _server.Respond = () => (503, "");

        var lookup = await _source.GetKeysAsync("rsa-1");

        Assert.True(lookup.Unavailable);
    }

    [Fact]
    public async Task Forty_requests_against_a_hanging_dead_host_cause_one_fetch_and_the_others_get_unavailable_at_once()
    {
        var gate = new TaskCompletionSource();
        _server.Gate = gate.Task;
        _server.Respond = () => (503, "");

        var requests = Enumerable.Range(0, 40).Select(_ => _source.GetKeysAsync("rsa-1").AsTask()).ToList();

        // The one fetch hangs at the host until the test lets it answer; every other request is answered meanwhile.
        Assert.True(await _server.WaitForHitsAsync(1, Generous));
        Assert.True(await CompletedAsync(requests.Skip(1).ToList(), 39), "requests queued behind the hanging fetch");
        Assert.False(requests[0].IsCompleted); // the fetch itself still hangs: nobody waited for it
        Assert.All(requests.Skip(1), r => Assert.True(r.Result.Unavailable));
        gate.SetResult();
        Assert.All(await Task.WhenAll(requests), l => Assert.True(l.Unavailable));
        Assert.Equal(1, _server.Hits);

        // Right after the failure, load does not become fetches either.
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _source.GetKeysAsync("rsa-1").AsTask())), l => Assert.True(l.Unavailable));
        Assert.Equal(1, _server.Hits);
    }

    [Fact]
    public async Task A_stale_set_with_a_failing_host_causes_one_fetch_for_many_requests()
    {
        await _source.GetKeysAsync("rsa-1");
        _server.Respond = () => (503, "");
        _time.Advance(Refresh);

        var lookups = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _source.GetKeysAsync("rsa-1").AsTask()));
        Assert.True(await _log.WaitForAsync(EventIds.JwksRefreshFailed, 1, Generous));
        foreach (var _ in Enumerable.Range(0, 40))
        {
            Assert.Single((await _source.GetKeysAsync("rsa-1")).Keys);
        }

        Assert.All(lookups, l => Assert.Single(l.Keys)); // the held set keeps serving meanwhile
        // Background fetches: give any extra one time to show up at the host (none should).
        Assert.False(await _server.WaitForHitsAsync(3, TimeSpan.FromSeconds(2)));
        Assert.Equal(2, _server.Hits);
    }

    [Fact]
    public async Task Held_keys_stop_verifying_once_the_host_has_been_down_past_the_maximum_staleness()
    {
        Assert.Single((await _source.GetKeysAsync("rsa-1")).Keys);
        _server.Respond = () => (503, "");

        _time.Advance(TimeSpan.FromDays(30));
        var lookup = await _source.GetKeysAsync("rsa-1");

        Assert.True(lookup.Unavailable);
        Assert.Empty(lookup.Keys);
    }

    [Fact]
    public async Task Before_held_keys_run_out_the_log_warns_and_health_is_degraded_then_unhealthy_after()
    {
        var maxStaleness = TimeSpan.FromHours(2);
        var source = Source(maxStaleness);
        var loadedAt = _time.GetUtcNow();
        Assert.Equal("not_fetched_yet", (await source.CheckAsync()).Detail);
        Assert.Single((await source.GetKeysAsync("rsa-1")).Keys);
        Assert.Equal(HealthStatus.Healthy, (await source.CheckAsync()).Status);
        _server.Respond = () => (503, "");

        _time.Advance(Refresh);
        Assert.Single((await source.GetKeysAsync("rsa-1")).Keys); // stale, served while the refresh fails beside it
        Assert.True(await _log.WaitForAsync(EventIds.KeysServedStale, 1, Generous));
        var degraded = await source.CheckAsync();
        Assert.Equal("jwks:test", degraded.Name);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("http_503", degraded.Detail, StringComparison.Ordinal);
        Assert.Contains($"stop verifying at {loadedAt + Refresh + maxStaleness:O}", degraded.Detail, StringComparison.Ordinal);
        Assert.Equal(loadedAt, degraded.LastSuccess);
        Assert.Contains(_log.Entries, e => e.Id == EventIds.KeysServedStale && e.Message.Contains($"{loadedAt + Refresh + maxStaleness:O}", StringComparison.Ordinal));

        _time.Advance(maxStaleness - TimeSpan.FromSeconds(1));
        Assert.Single((await source.GetKeysAsync("rsa-1")).Keys); // the last second of staleness
        Assert.True(await _log.WaitForAsync(EventIds.KeysServedStale, 2, Generous));
        Assert.Equal(0, _log.Count(EventIds.KeysExpired));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.True((await source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.Equal(1, _log.Count(EventIds.KeysExpired));
        var unhealthy = await source.CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.StartsWith("keys_unavailable", unhealthy.Detail, StringComparison.Ordinal);

        // The host comes back: the next try after the back-off loads the keys again.
        Serve(TestTokens.PublicJwk(Rsa1, "rsa-1", "RS256"));
        _time.Advance(RefreshingCacheOptions.DefaultMaxFailureBackoff);
        Assert.Single((await source.GetKeysAsync("rsa-1")).Keys);
        Assert.Equal(1, _log.Count(EventIds.KeyFetchRecovered));
        Assert.Equal(HealthStatus.Healthy, (await source.CheckAsync()).Status);
    }

    [Fact]
    public async Task A_dead_host_is_asked_again_after_an_exponential_capped_back_off()
    {
        _server.Respond = () => (503, "");
        var backoff = RefreshingCacheOptions.DefaultFailureBackoff;

        Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.Equal(1, _server.Hits);
        _time.Advance(backoff - TimeSpan.FromTicks(1));
        Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.True((await _source.GetKeysAsync("unknown-kid")).Unavailable);
        Assert.Equal(1, _server.Hits);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.Equal(2, _server.Hits);

        _time.Advance(backoff);
        Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.Equal(2, _server.Hits); // now twice as long
        _time.Advance(backoff);
        Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        Assert.Equal(3, _server.Hits);

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(RefreshingCacheOptions.DefaultMaxFailureBackoff);
            Assert.True((await _source.GetKeysAsync("rsa-1")).Unavailable);
        }

        Assert.Equal(13, _server.Hits); // capped: one try per maximum back-off
    }

    [Fact]
    public async Task A_request_that_gives_up_waiting_does_not_cancel_the_fetch_others_rely_on()
    {
        var gate = new TaskCompletionSource();
        _server.Gate = gate.Task;
        using var aborted = new CancellationTokenSource();

        var first = _source.GetKeysAsync("rsa-1", aborted.Token).AsTask();
        Assert.True(await _server.WaitForHitsAsync(1, Generous));
        await aborted.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult();

        Assert.True(await _log.WaitForAsync(EventIds.JwksRefreshed, 1, Generous));
        Assert.Single((await _source.GetKeysAsync("rsa-1")).Keys);
        Assert.Equal(1, _server.Hits);
    }

    [Fact]
    public async Task A_hanging_host_fails_after_the_fetch_timeout_on_the_clock()
    {
        var gate = new TaskCompletionSource();
        _server.Gate = gate.Task;
        try
        {
            var first = _source.GetKeysAsync("rsa-1").AsTask();
            Assert.True(await _server.WaitForHitsAsync(1, Generous));

            _time.Advance(RefreshingCacheOptions.DefaultFetchTimeout);

            Assert.True((await first.WaitAsync(Generous)).Unavailable);
            Assert.Contains("timeout", (await _source.CheckAsync()).Detail, StringComparison.Ordinal);
        }
        finally
        {
            gate.SetResult();
        }
    }

    [Fact]
    public async Task An_unknown_kid_while_the_host_hangs_does_not_queue_requests()
    {
        await _source.GetKeysAsync("rsa-1");
        var gate = new TaskCompletionSource();
        _server.Gate = gate.Task;
        _time.Advance(MinRefetch);

        var requests = Enumerable.Range(0, 40).Select(i => _source.GetKeysAsync(i % 2 == 0 ? "rsa-1" : "new-kid").AsTask()).ToList();

        Assert.True(await _server.WaitForHitsAsync(2, Generous));
        Assert.True(await CompletedAsync(requests.Where((_, i) => i != 1).ToList(), 39), "requests queued behind the hanging fetch");
        Assert.False(requests[1].IsCompleted); // the first unknown kid's fetch still hangs
        Assert.All(requests.Where((_, i) => i % 2 == 0), r => Assert.Single(r.Result.Keys));
        gate.SetResult();
        await Task.WhenAll(requests);
        Assert.Equal(2, _server.Hits);
    }

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private JwksKeySource Source(TimeSpan maxStaleness) =>
        new(_http, _server.Uri, "jwks:test", new RefreshingCacheOptions { RefreshInterval = Refresh, MinRefetchInterval = MinRefetch, MaxStaleness = maxStaleness }, _time, _log);

    /// <summary>Whether at least <paramref name="count"/> of the tasks complete within a generous time.</summary>
    private static async Task<bool> CompletedAsync(IReadOnlyList<Task> tasks, int count)
    {
        using var timeout = new CancellationTokenSource(Generous);
        var pending = tasks.ToList();
        while (tasks.Count - pending.Count < count)
        {
            try
            {
                pending.Remove(await Task.WhenAny(pending).WaitAsync(timeout.Token));
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public async Task An_oversized_document_is_refused()
    {
        var padding = new string(' ', JwksKeySource.MaxDocumentBytes);
        var body = TestTokens.Jwks(TestTokens.PublicJwk(Ec1, "ec-1")).Replace("{\"keys\"", "{" + padding + "\"keys\"", StringComparison.Ordinal);
        _server.Respond = () => (200, body);

        var lookup = await _source.GetKeysAsync("ec-1");

        Assert.True(lookup.Unavailable);
        Assert.Contains(_log.Entries, e => e.Id == EventIds.JwksRefreshFailed && e.Message.Contains("document_too_large", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Encryption_keys_and_keys_with_private_parts_are_ignored()
    {
        var p = Ec2.ExportParameters(true);
        var withPrivate = $$"""{"kty":"EC","kid":"ec-private","crv":"P-256","x":"{{TestTokens.Encode(p.Q.X!)}}","y":"{{TestTokens.Encode(p.Q.Y!)}}","d":"{{TestTokens.Encode(p.D!)}}"}""";
        var encryption = TestTokens.PublicJwk(Rsa1, "rsa-enc").Replace("\"use\":\"sig\"", "\"use\":\"enc\"", StringComparison.Ordinal);
        Serve(withPrivate, encryption, TestTokens.PublicJwk(Ec1, "ec-1"));

        Assert.Empty((await _source.GetKeysAsync("ec-private")).Keys);
        Assert.Empty((await _source.GetKeysAsync("rsa-enc")).Keys);
        Assert.Single((await _source.GetKeysAsync(null)).Keys);
    }

    [Fact]
    public async Task Each_key_gets_one_algorithm_and_keys_without_one_are_skipped_with_a_line_naming_their_kid()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var small = RSA.Create(1024);
        Serve(
            TestTokens.PublicJwk(Rsa1, "rs", "RS256"),
            TestTokens.PublicJwk(Rsa1, "ps", "PS256"),
            TestTokens.PublicJwk(Ec1, "ec"),
            TestTokens.PublicJwk(p384, "ec-384"),
            TestTokens.PublicJwk(Rsa1, "rsa-no-alg"),
            TestTokens.PublicJwk(Ec1, "ec-wrong-alg", "ES384"),
            TestTokens.PublicJwk(Rsa1, "rsa-enc-alg", "RSA-OAEP"),
            TestTokens.PublicJwk(small, "rsa-small", "RS256"));

        var keys = (await _source.GetKeysAsync(null)).Keys;

        Assert.Equal(["rs:RS256", "ps:PS256", "ec:ES256", "ec-384:ES384"], keys.Select(k => $"{k.Kid}:{k.Algorithm}"));
        var skipped = _log.Entries.Where(e => e.Id == EventIds.JwksKeySkipped).Select(e => e.Message).ToList();
        Assert.Equal(4, skipped.Count);
        Assert.Contains(skipped, m => m.Contains("key rsa-no-alg skipped, an RSA key states no algorithm", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("key ec-wrong-alg skipped, an EC key on this curve verifies ES256 only, not 'ES384'", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("key rsa-enc-alg skipped, an RSA key cannot verify 'RSA-OAEP'", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("key rsa-small skipped, the RSA key has 1024 bits", StringComparison.Ordinal));
        Assert.Empty((await _source.GetKeysAsync("rsa-no-alg")).Keys);
    }

    [Fact]
    public async Task A_configured_rsa_algorithm_is_given_to_the_rsa_keys_that_state_none_and_only_to_them()
    {
        Serve(TestTokens.PublicJwk(Rsa1, "rsa-no-alg"), TestTokens.PublicJwk(Rsa1, "ps", "PS256"), TestTokens.PublicJwk(Ec1, "ec"));
        var source = new JwksKeySource(_http, _server.Uri, Refresh, MinRefetch, _time, _log, rsaAlgorithm: "RS384");

        var keys = (await source.GetKeysAsync(null)).Keys;

        Assert.Equal(["rsa-no-alg:RS384", "ps:PS256", "ec:ES256"], keys.Select(k => $"{k.Kid}:{k.Algorithm}"));
        Assert.Equal(0, _log.Count(EventIds.JwksKeySkipped));
    }
}
