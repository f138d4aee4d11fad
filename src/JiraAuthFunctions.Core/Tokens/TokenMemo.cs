using System.Collections.Concurrent;

namespace JiraAuthFunctions.Tokens;

/// <summary>
/// What the verified tokens of one integration say, by signing input (<c>header.payload</c>, everything
/// before the last '.'), for an integration whose callers send the same token again and again
/// (<see cref="Schemes.ReplayProtection.LongLivedToken"/>: the token a Jira automation rule pastes). A
/// repeat is then not decoded, parsed and checked again for what cannot have changed; everything that
/// can change is checked on every request (<see cref="TokenValidator"/>).
/// </summary>
/// <remarks>
/// <para>Filled only with a token that passed every check, its signature included, so input nobody
/// signed never enters; a token refused for any reason leaves no entry. Never for per-request tokens:
/// each is used once, and an entry would only hold memory.</para>
/// <para>The memo never vouches for a signature. A hit still has its signature verified with the
/// integration's current keys over the signing input, every request: the signature part of the token
/// is compared by the signature provider, in constant time. The lookup here compares only the
/// <c>header.payload</c>, which is not secret (it is what the token says, base64url), never the
/// signature, so its timing tells nothing about the signature; at most, whether a token with that
/// exact content was accepted before, which only someone who already holds that content can ask.</para>
/// <para>Bounded: at most <see cref="Capacity"/> entries. When full it is cleared, then the new token
/// added: entries are never swept one by one, and tokens that expired or whose key was rotated away
/// must not hold the memo forever (with "do not add when full", an integration that lived long
/// enough would end up serving every token cold). A clear costs one cold read per live token after it;
/// only a holder of the signing key can make tokens that enter, so only such a holder can cause clears.
/// An entry whose token is found expired on a hit is dropped at once (exp never moves).</para>
/// <para>Held by its <see cref="Schemes.Integration"/>: a configuration reload builds new integrations, with empty memos.</para>
/// </remarks>
internal sealed class TokenMemo
{
    /// <summary>
    /// The most entries held: far more than the rules of one integration have pasted tokens. Worst
    /// case memory is Capacity times the largest token (Inbound:MaxTokenBytes), reachable only with the signing key.
    /// </summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, KnownToken> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, KnownToken>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly Lock _adding = new();

    public TokenMemo() => _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>How many tokens are held (counts under every lock of the dictionary: for tests, never per request).</summary>
    public int Count => _entries.Count;

    /// <summary>The entry of a token with this signing input; looked up without a substring.</summary>
    public bool TryGet(ReadOnlySpan<char> signingInput, out KnownToken known) => _bySpan.TryGetValue(signingInput, out known!);

    /// <summary>Remembers a token that passed every check (only then).</summary>
    public void Add(ReadOnlySpan<char> signingInput, KnownToken known)
    {
        // Adds are rare (a token's first use) and serialized, so the bound is exact; reads never lock.
        lock (_adding)
        {
            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }

            _bySpan.TryAdd(signingInput, known);
        }
    }

    /// <summary>Drops the entry of a token that can no longer pass (expired).</summary>
    public void Forget(ReadOnlySpan<char> signingInput) => _bySpan.TryRemove(signingInput, out _);
}

/// <summary>
/// A memoized token: what it says (<see cref="Content"/>), its caller as a refusal logs it, and the
/// accepted check a request gets when everything that can change still holds.
/// </summary>
internal sealed class KnownToken(JwtContent content, CallerInfo caller, TokenCheck accepted)
{
    public JwtContent Content { get; } = content;

    /// <summary>The caller as a refusal carries it (no scopes, expiry or context); its jti hash computed once.</summary>
    public CallerInfo Caller { get; } = caller;

    /// <summary>The accepted check, returned as is: no reservation (a long-lived token has none), nothing allocated per request.</summary>
    public TokenCheck Accepted { get; } = accepted;
}
