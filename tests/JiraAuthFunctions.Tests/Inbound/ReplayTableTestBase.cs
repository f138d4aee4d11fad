using Azure.Data.Tables;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Tests.Inbound;

/// <summary>
/// A fresh replay table in Azurite's table service (the real emulator, the real SDK), created as the
/// deployment does, with a fake clock and captured logs: what the replay cache and delivery log tests share.
/// </summary>
public abstract class ReplayTableTestBase : IAsyncLifetime
{
    private protected readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
    private protected readonly LogCapture _logs = new();
    private protected readonly string _tableName = "replay" + Guid.NewGuid().ToString("N")[..12];
    private protected Azurite _azurite = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        await new TableClient(_azurite.ConnectionString, _tableName).CreateIfNotExistsAsync(); // as the deployment does
    }

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        _logs.Dispose();
    }
}
