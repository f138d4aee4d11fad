using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every log entry: message, event id, level, state
/// and exception text, so tests can assert on reason codes and scan everything for leaked secrets.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    /// <summary>Everything logged, as one text: messages, every state value, exceptions.</summary>
    public string AllText() => string.Join("\n", Entries.Select(e => e.ToString()));

    /// <summary>Entries with the given event id.</summary>
    public IEnumerable<LogEntry> WithEventId(int id) => Entries.Where(e => e.EventId.Id == id);

    private sealed class CapturingLogger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value?.ToString())
                : new Dictionary<string, string?>();
            entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, string?> State, string? Exception)
{
    public string? this[string key] => State.TryGetValue(key, out var value) ? value : null;

    public override string ToString() =>
        $"{Level} {Category}[{EventId.Id}] {Message} | {string.Join("; ", State.Select(p => $"{p.Key}={p.Value}"))} | {Exception}";
}
