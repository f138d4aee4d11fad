using JiraAuthFunctions.Secrets;

namespace JiraAuthFunctions.Core.Tests.Support;

/// <summary>
/// A secret store that counts version listings (one per cache load), can hold them at a gate and can fail:
/// what the tests of every store-backed cache (shared secrets, Connect tenants, signing keys) observe.
/// </summary>
internal sealed class CountingSecretStore(ISecretStore inner) : ISecretStore
{
    private int _listCalls;

    public int ListCalls => Volatile.Read(ref _listCalls);
    public TaskCompletionSource? Gate { get; set; }
    public Exception? Failure { get; set; }

    public async Task<IReadOnlyList<SecretProperties>> GetPropertiesOfSecretVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _listCalls);
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        return Failure is { } failure ? throw failure : await inner.GetPropertiesOfSecretVersionsAsync(name, cancellationToken);
    }

    public Task<SecretValue?> GetSecretAsync(string name, string? version = null, CancellationToken cancellationToken = default) =>
        inner.GetSecretAsync(name, version, cancellationToken);

    public Task<SecretProperties> SetSecretAsync(string name, string value, SecretAttributes? attributes = null, CancellationToken cancellationToken = default) =>
        inner.SetSecretAsync(name, value, attributes, cancellationToken);

    public Task<SecretProperties> UpdateSecretPropertiesAsync(SecretProperties properties, CancellationToken cancellationToken = default) =>
        inner.UpdateSecretPropertiesAsync(properties, cancellationToken);
}
