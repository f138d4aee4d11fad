using System.Buffers.Text;
using System.Security.Cryptography;
using JiraAuthFunctions.Telemetry;
using Microsoft.IdentityModel.Tokens;
using JiraAuthFunctions.Events;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Tokens;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// Verifies a Jira admin webhook configured with a secret: <c>X-Hub-Signature: sha256=&lt;hex&gt;</c>
/// is the HMAC-SHA256 of the exact body bytes received, keyed with the secret. The keys are the
/// integration's <see cref="SharedSecretKeySource"/> versions (current and previous), so a rotation
/// loses no delivery. The MAC is compared in constant time; nothing is parsed before it matches.
/// </summary>
/// <remarks>
/// The signature has no timestamp and no nonce: it proves who sent the body, not when. A captured
/// delivery verifies for as long as the secret does; <see cref="IDeliveryLog"/> only recognises
/// Jira's own retries of a delivery already accepted.
/// </remarks>
public sealed class WebhookSignatureVerifier : IInboundScheme
{
    public const string SignatureHeader = "X-Hub-Signature";

    /// <summary>Jira's id of one delivery; its retries carry the same one.</summary>
    public const string DeliveryIdHeader = "X-Atlassian-Webhook-Identifier";

    private const string Prefix = "sha256=";
    private const int MacBytes = 32;
    private const int MaxDeliveryIdLength = 128;

    /// <summary>The scheme's name: the header it is known by.</summary>
    public string Name => SignatureHeader;

    /// <summary>The MAC covers the exact body bytes: the body is read before the request is authenticated.</summary>
    public bool SignsBody => true;

    /// <inheritdoc/>
    public ValueTask<TokenCheck> AuthenticateAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default) =>
        VerifyAsync(integration, request, cancellationToken);

    /// <summary>The decision for one webhook request of a <see cref="VerificationMethod.WebhookSecret"/> integration.</summary>
    public async ValueTask<TokenCheck> VerifyAsync(Integration integration, InboundRequest request, CancellationToken cancellationToken = default)
    {
        var header = request.Header(SignatureHeader);
        if (string.IsNullOrEmpty(header))
        {
            return TokenCheck.Reject(ReasonCode.MissingSignature);
        }

        var reason = TryParse(header, out var expected);
        if (reason != ReasonCode.Accepted)
        {
            return TokenCheck.Reject(reason);
        }

        var lookup = await integration.Keys.GetKeysAsync(null, cancellationToken).ConfigureAwait(false);
        if (lookup.Unavailable)
        {
            return TokenCheck.Reject(ReasonCode.KeysUnavailable);
        }

        var key = Match(lookup.Keys, request.Body.Span, expected);
        if (key is null && integration.Keys is SharedSecretKeySource source)
        {
            // Jira may already sign with a version added since the last read (a rotation).
            lookup = await source.GetKeysAfterMismatchAsync(cancellationToken).ConfigureAwait(false);
            key = lookup.Unavailable ? null : Match(lookup.Keys, request.Body.Span, expected);
        }

        if (key is null)
        {
            return TokenCheck.Reject(ReasonCode.BadSignature);
        }

        // The delivery id is not signed: it only names the delivery for the retry check and downstream.
        var deliveryId = DeliveryIdOf(request);
        return TokenCheck.Accept(new CallerInfo(key.Kid, null, null, null, null)
        {
            Context = deliveryId is null ? [] : [new("deliveryId", deliveryId)],
            DeliveryKey = deliveryId is null ? null : DeliveryKeys.Of(deliveryId, expected),
        });
    }

    /// <summary>Strictly <c>sha256=</c> and 64 hex digits, nothing around them.</summary>
    internal static ReasonCode TryParse(string header, out byte[] mac)
    {
        mac = [];
        var equals = header.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return ReasonCode.MalformedSignature;
        }

        if (!header.AsSpan(0, equals + 1).SequenceEqual(Prefix))
        {
            // sha1=, sha512=, SHA256=: the one algorithm agreed is SHA-256, spelled as Jira spells it.
            return IsAlgorithmName(header.AsSpan(0, equals)) ? ReasonCode.SignatureAlgorithmNotAllowed : ReasonCode.MalformedSignature;
        }

        var hex = header.AsSpan(Prefix.Length);
        if (hex.Length != MacBytes * 2 || !IsHex(hex))
        {
            return ReasonCode.MalformedSignature;
        }

        mac = Convert.FromHexString(hex);
        return ReasonCode.Accepted;
    }

    private static VerificationKey? Match(IReadOnlyList<VerificationKey> keys, ReadOnlySpan<byte> body, byte[] expected)
    {
        Span<byte> mac = stackalloc byte[MacBytes];
        foreach (var key in keys)
        {
            if (key.Key is SymmetricSecurityKey symmetric)
            {
                HMACSHA256.HashData(symmetric.Key, body, mac);
                if (CryptographicOperations.FixedTimeEquals(mac, expected))
                {
                    return key;
                }
            }
        }

        return null;
    }

    // Printable, no spaces, bounded: it reaches the event record and the log. Anything else is not used.
    private static string? DeliveryIdOf(InboundRequest request)
    {
        var id = request.Header(DeliveryIdHeader);
        if (string.IsNullOrEmpty(id) || id.Length > MaxDeliveryIdLength)
        {
            return null;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or ':'))
            {
                return null;
            }
        }

        return id;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAlgorithmName(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The key under which a delivery is remembered: Jira's delivery id and a digest of the verified MAC.</summary>
public static class DeliveryKeys
{
    /// <summary>
    /// Id and MAC together: the id is not signed, so a captured body sent again under the id of
    /// another delivery must not make that delivery look like a retry and be dropped. The verified
    /// MAC stands for the body (same body and secret, same MAC) at no cost per body byte; only its
    /// SHA-256 is kept, so the log of deliveries never holds a signature.
    /// </summary>
    public static string Of(string deliveryId, ReadOnlySpan<byte> mac)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(mac, digest);
        return deliveryId + ":" + Base64Url.EncodeToString(digest[..16]);
    }
}
