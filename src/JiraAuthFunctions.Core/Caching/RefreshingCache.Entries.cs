namespace JiraAuthFunctions.Caching;

/// <summary>The keys a <see cref="RefreshingCache{TKey, TValue}"/> holds: writing, forgetting and bounding them.</summary>
public sealed partial class RefreshingCache<TKey, TValue>
{
    /// <summary>Holds <paramref name="value"/> for <paramref name="key"/> as if just fetched (the caller wrote it to the source).</summary>
    public void Set(TKey key, TValue value)
    {
        var now = _timeProvider.GetUtcNow();
        while (true)
        {
            var entry = GetEntry(key);
            lock (entry.Lock)
            {
                if (entry.Removed)
                {
                    continue;
                }

                entry.Held = new Held(value, now);
                entry.ExpiryLogged = false;
                return;
            }
        }
    }

    /// <summary>Forgets what is held for <paramref name="key"/>: the next lookup fetches it (as a key not held).</summary>
    public void Remove(TKey key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            TryDrop(key, entry, static _ => true);
        }
    }

    private Entry GetEntry(TKey key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        if (_options.MaxEntries != int.MaxValue && _entries.Count >= _options.MaxEntries)
        {
            Trim();
        }

        return _entries.GetOrAdd(key, static _ => new Entry());
    }

    // Keys holding no value (a "not found", a failure) go first; if that is not enough, every key not in flight.
    private void Trim()
    {
        foreach (var (key, entry) in _entries)
        {
            TryDrop(key, entry, static e => e.Held?.Value is null && e.InFlight is null);
        }

        if (_entries.Count >= _options.MaxEntries)
        {
            foreach (var (key, entry) in _entries)
            {
                TryDrop(key, entry, static e => e.InFlight is null);
            }
        }
    }

    // "Not found" answers no longer believed; run when a key not held is fetched (itself limited), so cheap.
    private void DropExpiredMisses(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Held is { Value: null } held && now - held.At >= _options.MinRefetchInterval)
            {
                TryDrop(key, entry, static e => e.Held?.Value is null && e.InFlight is null);
            }
        }
    }

    // Marked under the entry's lock, so a caller holding the entry sees it gone and takes a new one.
    private void TryDrop(TKey key, Entry entry, Func<Entry, bool> when)
    {
        lock (entry.Lock)
        {
            if (!entry.Removed && when(entry))
            {
                entry.Removed = true;
                _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            }
        }
    }

    /// <param name="Value">The value, or null for the source's "not found".</param>
    /// <param name="At">When the source gave this answer.</param>
    private sealed record Held(TValue? Value, DateTimeOffset At);

    private sealed class Entry
    {
        public readonly Lock Lock = new();
        public volatile Held? Held;
        public Task? InFlight;
        public DateTimeOffset LastAttempt = DateTimeOffset.MinValue;
        public bool ExpiryLogged;
        public bool Removed;
    }
}
