using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Core.Tests.Support;
using JiraAuthFunctions.Inbound;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Core.Tests.Schemes;

/// <summary>X-Hub-Signature over the exact body, with the secret's versions from the real file store.</summary>
public sealed class WebhookSignatureVerifierTests : IDisposable
{
    private const string SecretName = "inbound-hooks";
    private const string Secret = "webhook-secret-0123456789-abcdefghij";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1"}}""");

    private readonly FakeTimeProvider _time = Clock.Create();
    private readonly TempFolder _folder = new();
    private readonly FileSecretStore _store;
    private readonly Integration _integration;
    private readonly WebhookSignatureVerifier _verifier = new();

    public WebhookSignatureVerifierTests()
    {
        _store = new FileSecretStore(_folder.File("secrets.json"), _time);
        _integration = Hooks(new SharedSecretKeySource(_store, SecretName, _time, NullLogger.Instance));
    }

    public void Dispose() => _folder.Dispose();

    private static Integration Hooks(ISigningKeySource keys) =>
        new("hooks", new IntegrationOptions { Verification = VerificationMethod.WebhookSecret }, keys, TimeSpan.FromSeconds(60));

    private static byte[] Mac(string secret, byte[] body) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);

    private static string Sign(string secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(Mac(secret, body));

    private static InboundRequest Request(string? signature, byte[]? body = null, string? deliveryId = "b1e4c7d2-9a7f-4c1e-8d35-6f2a1b0c9d8e") => new()
    {
        Method = "POST",
        Path = "/api/jira/events/hooks",
        Header = name => name switch
        {
            WebhookSignatureVerifier.SignatureHeader => signature,
            WebhookSignatureVerifier.DeliveryIdHeader => deliveryId,
            _ => null,
        },
        Body = body ?? Body,
    };

    private async Task<string> AddVersionAsync(string value)
    {
        var version = (await _store.SetSecretAsync(SecretName, value)).Version;
        _time.Advance(TimeSpan.FromSeconds(1));
        return version;
    }

    private ValueTask<TokenCheck> VerifyAsync(InboundRequest request) => _verifier.VerifyAsync(_integration, request);

    [Fact]
    public async Task Signature_over_the_exact_body_is_accepted_with_the_version_and_the_delivery_id()
    {
        var version = await AddVersionAsync(Secret);

        var check = await VerifyAsync(Request(Sign(Secret, Body)));

        Assert.True(check.Succeeded, check.Reason.ToCode());
        Assert.Equal(version, check.Caller.Kid);
        Assert.Equal([new("deliveryId", "b1e4c7d2-9a7f-4c1e-8d35-6f2a1b0c9d8e")], check.Caller.Context);
        Assert.Equal(DeliveryKeys.Of("b1e4c7d2-9a7f-4c1e-8d35-6f2a1b0c9d8e", Mac(Secret, Body)), check.Caller.DeliveryKey);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(-1)]
    public async Task Body_changed_by_one_byte_anywhere_is_a_bad_signature(int at)
    {
        await AddVersionAsync(Secret);
        var changed = Body.ToArray();
        var index = at < 0 ? changed.Length - 1 : at;
        changed[index] ^= 0x01;

        var check = await VerifyAsync(Request(Sign(Secret, Body), changed));

        Assert.Equal(ReasonCode.BadSignature, check.Reason);
    }

    [Fact]
    public async Task Body_with_one_byte_more_is_a_bad_signature()
    {
        await AddVersionAsync(Secret);

        var check = await VerifyAsync(Request(Sign(Secret, Body), [.. Body, (byte)' ']));

        Assert.Equal(ReasonCode.BadSignature, check.Reason);
    }

    [Fact]
    public async Task Wrong_secret_is_a_bad_signature()
    {
        await AddVersionAsync(Secret);

        var check = await VerifyAsync(Request(Sign("another-secret-of-the-same-length-000", Body)));

        Assert.Equal(ReasonCode.BadSignature, check.Reason);
        Assert.Null(check.Caller.DeliveryKey);
        Assert.Empty(check.Caller.Context);
    }

    [Theory]
    [InlineData(null, ReasonCode.MissingSignature)]
    [InlineData("", ReasonCode.MissingSignature)]
    [InlineData("sha1=0123456789abcdef0123456789abcdef01234567", ReasonCode.SignatureAlgorithmNotAllowed)]
    [InlineData("sha512=00", ReasonCode.SignatureAlgorithmNotAllowed)]
    [InlineData("SHA256=@", ReasonCode.SignatureAlgorithmNotAllowed)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ReasonCode.MalformedSignature)]
    [InlineData("=abc", ReasonCode.MalformedSignature)]
    [InlineData("sha256=", ReasonCode.MalformedSignature)]
    [InlineData("sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", ReasonCode.MalformedSignature)]
    [InlineData("sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", ReasonCode.MalformedSignature)]
    [InlineData("sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", ReasonCode.MalformedSignature)]
    [InlineData("sha256= 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ReasonCode.MalformedSignature)]
    [InlineData("sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ", ReasonCode.MalformedSignature)]
    [InlineData(" sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ReasonCode.MalformedSignature)]
    public async Task Header_that_is_not_sha256_and_64_hex_digits_is_refused_before_any_key_is_read(string? header, ReasonCode reason)
    {
        var keys = new Mock<ISigningKeySource>(MockBehavior.Strict);

        var check = await new WebhookSignatureVerifier().VerifyAsync(Hooks(keys.Object), Request(header));

        Assert.Equal(reason, check.Reason);
        keys.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Upper_case_hex_of_the_right_mac_is_accepted()
    {
        await AddVersionAsync(Secret);
        var signature = Sign(Secret, Body);

        var check = await VerifyAsync(Request("sha256=" + signature["sha256=".Length..].ToUpperInvariant()));

        Assert.True(check.Succeeded);
    }

    [Fact]
    public async Task During_a_rotation_the_previous_and_the_current_secret_both_verify()
    {
        var previous = await AddVersionAsync(Secret);
        var current = await AddVersionAsync("rotated-webhook-secret-9876543210-zyx");

        var old = await VerifyAsync(Request(Sign(Secret, Body)));
        var rotated = await VerifyAsync(Request(Sign("rotated-webhook-secret-9876543210-zyx", Body)));

        Assert.Equal(previous, old.Caller.Kid);
        Assert.Equal(current, rotated.Caller.Kid);
    }

    [Fact]
    public async Task A_version_added_after_the_last_read_verifies_once_the_early_reread_is_allowed()
    {
        await AddVersionAsync(Secret);
        Assert.True((await VerifyAsync(Request(Sign(Secret, Body)))).Succeeded);
        var added = await AddVersionAsync("added-later-secret-0123456789-abcdef");

        // Within the re-read bound the store is not asked again; after it, one re-read finds the version.
        _time.Advance(SharedSecretKeySource.MinRefetchInterval - TimeSpan.FromSeconds(2));
        var early = await VerifyAsync(Request(Sign("added-later-secret-0123456789-abcdef", Body)));
        _time.Advance(TimeSpan.FromSeconds(2));
        var later = await VerifyAsync(Request(Sign("added-later-secret-0123456789-abcdef", Body)));

        Assert.Equal(ReasonCode.BadSignature, early.Reason);
        Assert.True(later.Succeeded);
        Assert.Equal(added, later.Caller.Kid);
    }

    [Fact]
    public async Task Secret_store_down_with_nothing_held_is_keys_unavailable()
    {
        var keys = new Mock<ISigningKeySource>();
        keys.Setup(k => k.GetKeysAsync(null, It.IsAny<CancellationToken>())).Returns(ValueTask.FromResult(KeyLookup.SourceUnavailable));

        var check = await new WebhookSignatureVerifier().VerifyAsync(Hooks(keys.Object), Request(Sign(Secret, Body)));

        Assert.Equal(ReasonCode.KeysUnavailable, check.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("quote\"inside")]
    public async Task Missing_or_unusable_delivery_id_still_verifies_but_without_a_retry_check(string? deliveryId)
    {
        await AddVersionAsync(Secret);

        var check = await VerifyAsync(Request(Sign(Secret, Body), deliveryId: deliveryId));

        Assert.True(check.Succeeded);
        Assert.Null(check.Caller.DeliveryKey);
        Assert.Empty(check.Caller.Context);
    }

    [Fact]
    public async Task Delivery_key_is_the_same_for_a_retry_and_differs_for_another_body_or_id()
    {
        await AddVersionAsync(Secret);
        byte[] other = [.. Body, (byte)' '];

        var first = (await VerifyAsync(Request(Sign(Secret, Body), deliveryId: "d-1"))).Caller.DeliveryKey;
        var retry = (await VerifyAsync(Request(Sign(Secret, Body), Body.ToArray(), deliveryId: "d-1"))).Caller.DeliveryKey;
        var otherBody = (await VerifyAsync(Request(Sign(Secret, other), other, deliveryId: "d-1"))).Caller.DeliveryKey;
        var otherId = (await VerifyAsync(Request(Sign(Secret, Body), deliveryId: "d-2"))).Caller.DeliveryKey;

        Assert.NotNull(first);
        Assert.Equal(first, retry);
        Assert.NotEqual(first, otherBody);
        Assert.NotEqual(first, otherId);
        Assert.DoesNotContain(Sign(Secret, Body)["sha256=".Length..], first, StringComparison.OrdinalIgnoreCase);
    }
}
