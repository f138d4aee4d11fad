using System.Net.Http.Headers;
using System.Text;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Replay;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Tests;

/// <summary>
/// A per-request token's jti is used up by an accepted event (202), not by authentication alone:
/// a request refused after authentication (415, 413, 400, a sink that could not write, an
/// exception) leaves the same token usable for the sender's retry, while two uses of one token in
/// flight at once still get exactly one 202. The app as it runs (real validator, memory replay
/// store, Kestrel on loopback); only the sink is a test double.
/// </summary>
public sealed class JtiUseTests : IAsyncLifetime
{
    private const string Integration = "ci";
    private const string Secret = "jti-use-shared-secret-0123456789abcdefghij";
    private const string Webhook = """{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-9","fields":{"summary":"Retry me"}}}""";
    private readonly Mock<IEventSink> _sink = new();
    private readonly List<AcceptedEvent> _written = [];
    private TestApp _app = null!;
    private string _kid = null!;

    public async Task InitializeAsync()
    {
        var settings = TestApp.SharedSecretIntegration(Integration);
        settings["Inbound:MaxBodyBytes"] = "4096";
        _app = await TestApp.StartAsync(settings, services => services.AddSingleton(_sink.Object));
        _kid = (await _app.Services.GetRequiredService<ISecretStore>().SetSecretAsync(SecretNames.ForIntegration(Integration), Secret)).Version;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private string Token() => TestTokens.Create(TestTokens.Header("HS256", _kid), TestTokens.Claims(TimeProvider.System.GetUtcNow()), TestTokens.Hmac(Secret));

    private void SinkWrites() =>
        _sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .Callback<AcceptedEvent, CancellationToken>((e, _) => { lock (_written) { _written.Add(e); } })
            .Returns(ValueTask.CompletedTask);

    private async Task<int> PostAsync(string token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/jira/events/{Integration}") { Content = content ?? Json() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _app.Client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private static StringContent Json(string body = Webhook, string mediaType = "application/json") => new(body, Encoding.UTF8, mediaType);

    private IEnumerable<string?> Reasons() => _app.Logs.WithEventId(EventIds.RequestRejected).Select(e => e["Reason"]);

    [Fact]
    public async Task A_token_whose_event_the_sink_could_not_store_is_accepted_on_the_retry()
    {
        var token = Token();
        _sink.SetupSequence(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new EventSinkUnavailableException("queue down", new IOException("unreachable")))
            .Returns(ValueTask.CompletedTask);

        var failed = await PostAsync(token);
        var retried = await PostAsync(token);
        var replayed = await PostAsync(token);

        Assert.Equal((503, 202, 401), (failed, retried, replayed));
        Assert.Equal(["sink_unavailable", "replayed_jti"], Reasons());
    }

    [Theory]
    [InlineData("text/plain", 415, "unsupported_media_type")]
    [InlineData("application/x-www-form-urlencoded", 415, "unsupported_media_type")]
    public async Task A_token_refused_for_its_content_type_is_accepted_when_resent_as_json(string mediaType, int status, string reason)
    {
        SinkWrites();
        var token = Token();

        var refused = await PostAsync(token, Json(Webhook, mediaType));
        var corrected = await PostAsync(token);

        Assert.Equal((status, 202), (refused, corrected));
        Assert.Equal([reason], Reasons());
    }

    [Fact]
    public async Task A_token_refused_for_a_declared_length_over_the_limit_is_accepted_with_a_smaller_body()
    {
        SinkWrites();
        var token = Token();

        var tooLarge = await PostAsync(token, Json(Webhook.Replace("Retry me", new string('x', 5000), StringComparison.Ordinal)));
        var corrected = await PostAsync(token);

        Assert.Equal((413, 202), (tooLarge, corrected));
        Assert.Equal(["body_too_large"], Reasons());
    }

    [Fact]
    public async Task A_token_refused_because_the_body_is_not_a_jira_event_is_accepted_with_a_jira_event()
    {
        SinkWrites();
        var token = Token();

        var notAnEvent = await PostAsync(token, Json("""{"hello":"world"}"""));
        var corrected = await PostAsync(token);

        Assert.Equal((400, 202), (notAnEvent, corrected));
        Assert.Equal(["not_a_jira_event"], Reasons());
    }

    [Fact]
    public async Task A_token_whose_request_failed_with_an_exception_is_accepted_on_the_retry()
    {
        var token = Token();
        _sink.SetupSequence(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("a bug in the sink"))
            .Returns(ValueTask.CompletedTask);

        var failed = await PostAsync(token);
        var retried = await PostAsync(token);

        Assert.Equal((500, 202), (failed, retried));
    }

    [Fact]
    public async Task A_second_use_while_the_first_is_still_being_stored_is_refused_and_only_the_first_is_accepted()
    {
        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                writing.TrySetResult();
                await release.Task;
            });
        var token = Token();

        var first = PostAsync(token);
        await writing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await PostAsync(token);
        release.SetResult();
        var firstStatus = await first;
        var third = await PostAsync(token);

        Assert.Equal((202, 401, 401), (firstStatus, second, third));
        Assert.Equal(["replayed_jti", "replayed_jti"], Reasons());
        _sink.Verify(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_whose_body_comes_slowly_renews_its_hold_and_loses_it_only_to_a_use_after_it_lapsed(bool usedMeanwhile)
    {
        SinkWrites();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var settings = TestApp.SharedSecretIntegration(Integration);
        await using var app = await TestApp.StartAsync(settings, services =>
        {
            services.AddSingleton(_sink.Object);
            services.AddSingleton<TimeProvider>(time);
        });
        var kid = (await app.Services.GetRequiredService<ISecretStore>().SetSecretAsync(SecretNames.ForIntegration(Integration), Secret)).Version;
        var token = TestTokens.Create(TestTokens.Header("HS256", kid), TestTokens.Claims(time.GetUtcNow()), TestTokens.Hmac(Secret));
        var replay = (MemoryReplayCache)app.Services.GetRequiredService<IReplayCache>();
        int? meanwhile = null;

        var slow = await PostAsync(app, token, new SlowBody(Webhook, async () =>
        {
            // The first request holds the jti and is reading its body: time passes.
            for (var i = 0; i < 600 && replay.Count == 0; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
            }

            Assert.Equal(1, replay.Count);
            time.Advance(usedMeanwhile ? ReplayReservation.PendingHold + TimeSpan.FromSeconds(1) : ReplayReservation.PendingHold - ReplayReservation.RenewBelow + TimeSpan.FromSeconds(1));
            if (usedMeanwhile)
            {
                meanwhile = await PostAsync(app, token, Json()); // its hold lapsed: this use takes the jti
            }
        }));
        var after = await PostAsync(app, token, Json());

        Assert.Equal(usedMeanwhile ? (401, 202, 401) : (202, (int?)null, 401), (slow, meanwhile, after));
        _sink.Verify(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    private static async Task<int> PostAsync(TestApp app, string token, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/jira/events/{Integration}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await app.Client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>A JSON body sent in two parts, with something happening in between.</summary>
    private sealed class SlowBody : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly Func<Task> _between;

        public SlowBody(string json, Func<Task> between)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            _between = between;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_bytes.AsMemory(0, 10));
            await stream.FlushAsync();
            await _between();
            await stream.WriteAsync(_bytes.AsMemory(10));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }

    [Fact]
    public async Task Of_many_concurrent_uses_of_one_token_exactly_one_is_accepted_even_when_the_first_write_fails()
    {
        var calls = 0;
        _sink.Setup(s => s.AppendAsync(It.IsAny<AcceptedEvent>(), It.IsAny<CancellationToken>()))
            .Returns(() => Interlocked.Increment(ref calls) == 1
                ? ValueTask.FromException(new EventSinkUnavailableException("first write fails", new IOException("busy")))
                : ValueTask.CompletedTask);
        var token = Token();

        // Rounds of concurrent uses until one is accepted: a failed round frees the token for the next.
        var statuses = new List<int>();
        for (var round = 0; round < 5 && !statuses.Contains(202); round++)
        {
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(token))));
        }

        Assert.Single(statuses, s => s == 202);
        Assert.All(statuses, s => Assert.Contains(s, new[] { 202, 401, 503 }));
        Assert.Equal(1, statuses.Count(s => s == 503));
    }
}
