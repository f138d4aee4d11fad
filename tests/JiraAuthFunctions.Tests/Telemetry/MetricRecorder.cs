using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JiraAuthFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Telemetry;

/// <summary>
/// Records every measurement of the app's meter (<see cref="JiraAuthMetrics.MeterName"/>) created
/// by its own <see cref="Metrics"/>, so parallel tests do not see each other's measurements.
/// Gauges are read when <see cref="Observe"/> is called, as an exporter would at collection.
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();

    public MetricRecorder()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new JiraAuthMetrics(_services.GetRequiredService<IMeterFactory>());
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == JiraAuthMetrics.MeterName && instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>())
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public JiraAuthMetrics Metrics { get; }

    /// <summary>Every measurement of the named instrument so far.</summary>
    public IReadOnlyList<Measured> Of(string name) => [.. _measurements.Where(m => m.Instrument == name)];

    /// <summary>Reads every gauge now and returns what the named one reported.</summary>
    public IReadOnlyList<Measured> Observe(string name)
    {
        var before = _measurements.Count;
        _listener.RecordObservableInstruments();
        return [.. _measurements.Skip(before).Where(m => m.Instrument == name)];
    }

    public void Dispose()
    {
        _listener.Dispose();
        Metrics.Dispose();
        _services.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue(new Measured(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));

    public sealed record Measured(string Instrument, double Value, Dictionary<string, string?> Tags)
    {
        public string? this[string tag] => Tags.GetValueOrDefault(tag);
    }
}
