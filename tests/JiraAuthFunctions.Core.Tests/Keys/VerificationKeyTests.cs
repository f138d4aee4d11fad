using System.Security.Cryptography;
using System.Text;
using JiraAuthFunctions.Keys;
using Microsoft.IdentityModel.Tokens;

namespace JiraAuthFunctions.Core.Tests.Keys;

/// <summary>
/// <see cref="VerificationKey.Verify"/> verifies HS256/384/512 with its own keyed HMAC instances: it must
/// say exactly what IdentityModel's provider says, for right, wrong, truncated and extended MACs, from
/// many threads at once, and leave a secret shorter than its MAC to IdentityModel's refusal.
/// </summary>
public sealed class VerificationKeyTests
{
    private static readonly CryptoProviderFactory Reference = new() { CacheSignatureProviders = false };

    public static TheoryData<string> Algorithms => new() { "HS256", "HS384", "HS512" };

    private static byte[] Mac(string algorithm, byte[] secret, byte[] input) => algorithm switch
    {
        "HS256" => HMACSHA256.HashData(secret, input),
        "HS384" => HMACSHA384.HashData(secret, input),
        _ => HMACSHA512.HashData(secret, input),
    };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Says_what_IdentityModels_provider_says(string algorithm)
    {
        var random = new Random(42);
        for (var i = 0; i < 300; i++)
        {
            var secret = new byte[random.Next(16, 80)];
            random.NextBytes(secret);
            var input = new byte[random.Next(0, 600)];
            random.NextBytes(input);
            var signature = Mac(algorithm, secret, input);
            switch (i % 5)
            {
                case 1: signature[random.Next(signature.Length)] ^= 1; break;           // one bit off
                case 2: signature = signature[..^1]; break;                               // truncated
                case 3: signature = [.. signature, 0]; break;                             // one byte more
                case 4: signature = Mac(algorithm, [.. secret, 1], input); break;         // another secret
            }

            var key = new VerificationKey(new SymmetricSecurityKey(secret), algorithm);
            if (secret.Length * 8 < int.Parse(algorithm[2..], System.Globalization.CultureInfo.InvariantCulture))
            {
                // Shorter than the MAC: IdentityModel refuses the key, and so does the key here.
                Assert.ThrowsAny<ArgumentException>(() => Reference.CreateForVerifying(new SymmetricSecurityKey(secret), algorithm).Verify(input, signature));
                Assert.ThrowsAny<ArgumentException>(() => Verify(key, algorithm, input, signature));
                continue;
            }

            var expected = Reference.CreateForVerifying(new SymmetricSecurityKey(secret), algorithm).Verify(input, signature);

            Assert.Equal(expected, Verify(key, algorithm, input, signature));
            Assert.Equal(i % 5 == 0, expected); // the cases are what they claim to be
        }
    }

    [Fact]
    public async Task Instances_shared_by_many_threads_never_mix_inputs()
    {
        var secret = Encoding.UTF8.GetBytes("a-shared-secret-of-thirty-two-b!");
        var key = new VerificationKey(new SymmetricSecurityKey(secret), "HS256");
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var input = Encoding.ASCII.GetBytes($"thread {t}, call {i}, some signing input of some length");
                var good = HMACSHA256.HashData(secret, input);
                var bad = HMACSHA256.HashData(secret, input.Append((byte)'x').ToArray());
                if (!Verify(key, "HS256", input, good) || Verify(key, "HS256", input, bad))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));

        Assert.Equal(0, failures);
    }

    [Fact]
    public void A_secret_shorter_than_its_MAC_is_refused_as_before()
    {
        var secret = new byte[31];
        var key = new VerificationKey(new SymmetricSecurityKey(secret), "HS256");
        var input = Encoding.ASCII.GetBytes("header.payload");

        Assert.ThrowsAny<ArgumentException>(() => Verify(key, "HS256", input, HMACSHA256.HashData(secret, input)));
    }

    [Fact]
    public void Another_algorithm_than_the_keys_is_never_tried()
    {
        var secret = new byte[32];
        var key = new VerificationKey(new SymmetricSecurityKey(secret), "HS256");
        var input = Encoding.ASCII.GetBytes("header.payload");

        Assert.Throws<ArgumentException>(() => Verify(key, "HS384", input, HMACSHA384.HashData(secret, input)));
    }

    private static bool Verify(VerificationKey key, string algorithm, byte[] input, byte[] signature) =>
        key.Verify(algorithm, input, input.Length, signature, signature.Length);
}
