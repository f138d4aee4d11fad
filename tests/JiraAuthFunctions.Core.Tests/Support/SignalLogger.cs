using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Core.Tests.Support;

/// <summary>
/// A logger that keeps the event ids it saw and lets a test await the n-th occurrence of one,
/// so work done in the background (a JWKS refresh) is observed by its own log line, not by sleeping.
/// </summary>
public sealed class SignalLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<(int Id, string Message)> _entries = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(int Id, string Message)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public int Count(int eventId)
    {
        lock (_lock)
        {
            return _entries.Count(e => e.Id == eventId);
        }
    }

    /// <summary>Waits until <paramref name="eventId"/> has been logged at least <paramref name="count"/> times; false on timeout.</summary>
    public async Task<bool> WaitForAsync(int eventId, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_entries.Count(e => e.Id == eventId) >= count)
                {
                    return true;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _entries.Add((eventId.Id, formatter(state, exception)));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
