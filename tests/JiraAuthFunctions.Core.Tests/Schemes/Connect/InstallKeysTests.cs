using System.Security.Cryptography;
using JiraAuthFunctions.Caching;
using JiraAuthFunctions.Connect;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Health;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.Core.Tests.Schemes.Connect;

/// <summary>Install keys fetched over real HTTP from the install-keys fake on loopback.</summary>
public sealed class InstallKeysTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly SignalLogger<InstallKeys> _log = new();
    private readonly HttpClient _http = new();
    private FakeInstallKeys _server = null!;
    private InstallKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeInstallKeys.StartAsync();
        _keys = new InstallKeys(_http, _server.BaseUrl, _time, _log);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_published_key_is_fetched_once_then_served_from_the_cache()
    {
        var rsa = _server.Publish("3c9ff1ad-7a3b-4b32-9a23-1ad6a1c1b8f0");

        for (var i = 0; i < 5; i++)
        {
            var (status, key) = await _keys.GetAsync("3c9ff1ad-7a3b-4b32-9a23-1ad6a1c1b8f0");
            Assert.Equal(InstallKeyStatus.Found, status);
            var input = "header.payload"u8.ToArray();
            Assert.True(key!.GetSignatureProvider("RS256").Verify(input, rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        }

        Assert.Equal(["/3c9ff1ad-7a3b-4b32-9a23-1ad6a1c1b8f0"], _server.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../admin")]
    [InlineData("a/b")]
    [InlineData("a?b=c")]
    [InlineData("a%2Fb")]
    [InlineData("..")]
    [InlineData("http://attacker.example/key")]
    [InlineData("ключ")]
    public async Task A_kid_outside_the_charset_is_unknown_and_never_fetched(string? kid)
    {
        Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync(kid)).Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_kid_over_128_characters_is_never_fetched()
    {
        Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync(new string('a', 129))).Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task An_unknown_kid_is_unknown_and_a_flood_of_made_up_kids_is_fetched_a_bounded_number_of_times_per_interval()
    {
        Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync("no-such-kid")).Status);
        var answers = new List<InstallKeyStatus>();
        for (var i = 0; i < 50; i++)
        {
            answers.Add((await _keys.GetAsync($"made-up-{i}")).Status);
        }

        Assert.Equal(InstallKeys.MaxUnknownKidFetchesPerInterval, _server.Requests.Count);
        Assert.Equal(50 - (InstallKeys.MaxUnknownKidFetchesPerInterval - 1), answers.Count(a => a == InstallKeyStatus.Unavailable));
        _time.Advance(InstallKeys.MinFetchInterval);
        _server.Publish("real-kid");
        Assert.Equal(InstallKeyStatus.Found, (await _keys.GetAsync("real-kid")).Status);
        Assert.Equal(InstallKeys.MaxUnknownKidFetchesPerInterval + 1, _server.Requests.Count);
    }

    [Fact]
    public async Task A_failing_service_is_unavailable_and_logged_without_the_response()
    {
        _server.Publish("kid-1");
        _server.FailWith = 503;

        Assert.Equal(InstallKeyStatus.Unavailable, (await _keys.GetAsync("kid-1")).Status);
        Assert.Equal(1, _log.Count(EventIds.ConnectInstallKeyFetchFailed));
        Assert.Equal(HealthStatus.Unhealthy, (await _keys.CheckAsync()).Status);

        _server.FailWith = null;
        _time.Advance(RefreshingCacheOptions.DefaultFailureBackoff);
        Assert.Equal(InstallKeyStatus.Found, (await _keys.GetAsync("kid-1")).Status);
        var health = await _keys.CheckAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(_time.GetUtcNow(), health.LastSuccess);
    }

    [Fact]
    public async Task Held_install_keys_keep_serving_while_the_service_fails()
    {
        _server.Publish("kid-1");
        Assert.Equal(InstallKeyStatus.Found, (await _keys.GetAsync("kid-1")).Status);
        _server.FailWith = 503;
        Assert.Equal(InstallKeyStatus.Unavailable, (await _keys.GetAsync("kid-2")).Status);

        _time.Advance(TimeSpan.FromDays(365));

        Assert.Equal(InstallKeyStatus.Found, (await _keys.GetAsync("kid-1")).Status); // a kid's key never changes
        Assert.Equal(HealthStatus.Degraded, (await _keys.CheckAsync()).Status);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_bogus_kid_does_not_block_a_genuine_first_install_under_a_new_kid()
    {
        Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync("bogus-kid")).Status);
        _server.Publish("genuine-kid");

        Assert.Equal(InstallKeyStatus.Found, (await _keys.GetAsync("genuine-kid")).Status);
        Assert.Equal(["/bogus-kid", "/genuine-kid"], _server.Requests);
    }

    [Fact]
    public async Task A_bogus_kid_asked_again_and_again_stays_throttled()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync("bogus-kid")).Status);
        }

        Assert.Single(_server.Requests);
        _time.Advance(InstallKeys.MinFetchInterval);
        Assert.Equal(InstallKeyStatus.Unknown, (await _keys.GetAsync("bogus-kid")).Status);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Forty_installs_against_a_hanging_failing_service_cause_one_fetch_and_the_others_get_unavailable_at_once()
    {
        _server.Publish("kid-1");
        _server.FailWith = 503;
        var gate = new TaskCompletionSource();
        _server.Gate = gate.Task;

        var requests = Enumerable.Range(0, 40).Select(_ => _keys.GetAsync("kid-1").AsTask()).ToList();

        Assert.True(await CompletedAsync(requests.Skip(1).ToList(), 39), "installs queued behind the hanging fetch");
        Assert.False(requests[0].IsCompleted); // the fetch itself still hangs: nobody waited for it
        Assert.All(requests.Where(r => r.IsCompleted), r => Assert.Equal(InstallKeyStatus.Unavailable, r.Result.Status));
        gate.SetResult();
        Assert.All(await Task.WhenAll(requests), r => Assert.Equal(InstallKeyStatus.Unavailable, r.Status));
        Assert.Single(_server.Requests);

        // Right after the failure, neither this kid nor another one goes out again.
        _server.Publish("kid-2");
        Assert.Equal(InstallKeyStatus.Unavailable, (await _keys.GetAsync("kid-1")).Status);
        Assert.Equal(InstallKeyStatus.Unavailable, (await _keys.GetAsync("kid-2")).Status);
        Assert.Single(_server.Requests);
    }

    private static async Task<bool> CompletedAsync(IReadOnlyList<Task> tasks, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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
}
