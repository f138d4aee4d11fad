using System.Buffers;
using System.Collections;
using System.Text;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// Keeps a token sent in a URL's query (<c>jwt=</c>, Atlassian Connect's; <c>access_token=</c>,
/// RFC 6750 2.3's) out of every log line, at whatever level an operator sets: the parameter's value
/// is written as <see cref="Marker"/> in the message, in every state value and in an exception's text.
/// </summary>
/// <remarks>
/// Why a decorator of the <see cref="ILoggerFactory"/>, and not a middleware or a level:
/// <list type="bullet">
/// <item>ASP.NET Core writes the URL with its query before any middleware runs ("Request starting",
/// Microsoft.AspNetCore.Hosting.Diagnostics, Information) and Kestrel quotes a refused request line
/// (Microsoft.AspNetCore.Server.Kestrel.BadRequests, Debug) before there is a request at all; and
/// the query must reach Connect's authenticator as received (the <c>jwt</c> parameter, the qsh), so
/// the request itself is not rewritten.</item>
/// <item>Setting those categories to Warning holds only until an operator turns logging up to debug
/// something, which is exactly when the token would be written.</item>
/// <item>A decorated <see cref="ILoggerProvider"/> covers only the providers registered before it
/// (a host or a test adds its own later). Every logger the app, ASP.NET Core and Kestrel get comes
/// from the one <see cref="ILoggerFactory"/> in DI, so wrapping it covers every category, provider
/// and level; level filters still apply underneath, unchanged.</item>
/// </list>
/// Cost, for enabled log calls only: one vectorized search for the two parameter names in the
/// state's string values; a message is re-rendered only when one of them is found. Not covered:
/// what sees the URL outside this process (the Functions host's and the platform's request
/// telemetry), which is why docs/connect.md prefers the Authorization header.
/// </remarks>
public static class QueryTokenRedaction
{
    /// <summary>What a token's place in a log line says instead.</summary>
    public const string Marker = "[redacted]";

    private static readonly string[] Names = ["jwt=", "access_token="];
    private static readonly SearchValues<string> NameSearch = SearchValues.Create(Names, StringComparison.OrdinalIgnoreCase);

    // Where a query value ends in a URL or in the text quoting it (a token never contains these).
    private static readonly SearchValues<char> ValueEnd = SearchValues.Create("&#; \t\r\n\"'`<>,)]}\\|");

    /// <summary>Every logger from the container's <see cref="ILoggerFactory"/> writes query tokens redacted. Call once, anywhere in the registrations.</summary>
    public static IServiceCollection AddQueryTokenRedaction(this IServiceCollection services)
    {
        services.AddLogging();
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
        return services;
    }

    /// <summary>Whether the text names a query token parameter (and so may carry a token).</summary>
    public static bool MayCarryToken(ReadOnlySpan<char> text) => text.IndexOfAny(NameSearch) >= 0;

    /// <summary>The text with the value of every <c>jwt=</c> and <c>access_token=</c> (any case) replaced by <see cref="Marker"/>.</summary>
    public static string Redact(string text)
    {
        var rest = text.AsSpan();
        var found = rest.IndexOfAny(NameSearch);
        if (found < 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        while (found >= 0)
        {
            var nameLength = NameAt(rest[found..]);
            result.Append(rest[..(found + nameLength)]);
            rest = rest[(found + nameLength)..];
            var end = rest.IndexOfAny(ValueEnd);
            var valueLength = end < 0 ? rest.Length : end;
            if (valueLength > 0)
            {
                result.Append(Marker);
            }

            rest = rest[valueLength..];
            found = rest.IndexOfAny(NameSearch);
        }

        return result.Append(rest).ToString();
    }

    private static int NameAt(ReadOnlySpan<char> text)
    {
        foreach (var name in Names)
        {
            if (text.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                return name.Length;
            }
        }

        return 1; // not reached: the search found one of the names here
    }

    internal static bool MayCarryToken(object? value) => value switch
    {
        null or bool or IFormattable => false, // numbers, dates, enums: no query in them
        string text => MayCarryToken(text.AsSpan()),
        _ => value.ToString() is { } text && MayCarryToken(text.AsSpan()),
    };

    internal static bool MayCarryToken(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            // An AggregateException's message quotes its inner ones.
            if (MayCarryToken(current.Message.AsSpan()))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            StateMayCarryToken(state, out var pairs)
                ? inner.BeginScope(new RedactedState(Redact(state.ToString() ?? ""), pairs))
                : inner.BeginScope(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var inState = StateMayCarryToken(state, out var pairs);
            var inException = MayCarryToken(exception);
            if (!inState && !inException && pairs is not null)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            // A state that does not list its values shows only its message: look at that.
            var message = formatter(state, exception);
            if (!inState && !inException && !MayCarryToken(message.AsSpan()))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, new RedactedState(Redact(message), pairs), inException ? new RedactedException(exception!) : exception, static (s, _) => s.Message);
        }

        private static bool StateMayCarryToken<TState>(TState state, out IEnumerable<KeyValuePair<string, object?>>? pairs)
        {
            pairs = state as IEnumerable<KeyValuePair<string, object?>>;
            if (pairs is null)
            {
                return state is string text && MayCarryToken(text.AsSpan());
            }

            // By index where the state is a list (ASP.NET Core's request scope, every LoggerMessage
            // state): its enumerator would be an object per request scope and per log line.
            if (pairs is IReadOnlyList<KeyValuePair<string, object?>> list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (MayCarryToken(list[i].Value))
                    {
                        return true;
                    }
                }

                return false;
            }

            foreach (var (_, value) in pairs)
            {
                if (MayCarryToken(value))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A log state with every value that could carry a query token redacted; its text is the redacted message.</summary>
    private sealed class RedactedState(string message, IEnumerable<KeyValuePair<string, object?>>? pairs) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _pairs = pairs is null
            ? []
            : [.. pairs.Select(p => MayCarryToken(p.Value) ? new KeyValuePair<string, object?>(p.Key, Redact(p.Value!.ToString() ?? "")) : p)];

        public string Message { get; } = message;

        public int Count => _pairs.Length;

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_pairs).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>Stands in for an exception whose text quotes a query token (Kestrel's bad request line): the same text, redacted.</summary>
    private sealed class RedactedException(Exception original) : Exception(Redact(original.Message))
    {
        private readonly string _text = Redact(original.ToString());

        public override string? StackTrace => original.StackTrace;

        public override string ToString() => _text;
    }
}
