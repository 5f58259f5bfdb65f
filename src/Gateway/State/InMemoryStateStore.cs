using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;

namespace Gateway.State;

/// <summary>
/// The state of a single replica, in this process: lock-free, with expired entries treated as absent
/// and swept out once a minute.
/// </summary>
public sealed class InMemoryStateStore(TimeProvider clock) : IStateStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RollingLog> _rolling = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, DateTimeOffset>> _touched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OrderedIndex> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableArray<Action<string>>> _listeners = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public Task<string?> GetAsync(string key) =>
        Task.FromResult(TryGetLive(key, out var entry) ? entry.Value : null);

    public Task SetAsync(string key, string value, TimeSpan timeToLive)
    {
        _entries[key] = NewEntry(value, timeToLive);
        SweepNow();
        return Task.CompletedTask;
    }

    public Task<bool> AddAsync(string key, string value, TimeSpan timeToLive)
    {
        SweepNow();
        var entry = NewEntry(value, timeToLive);
        while (true)
        {
            if (_entries.TryAdd(key, entry))
            {
                return Task.FromResult(true);
            }

            if (TryGetLive(key, out _))
            {
                return Task.FromResult(false);
            }
        }
    }

    public Task<bool> ReplaceAsync(string key, string expected, string? replacement, TimeSpan timeToLive)
    {
        while (true)
        {
            if (!TryGetLive(key, out var current) || current.Value != expected)
            {
                return Task.FromResult(false);
            }

            var replaced = replacement is null
                ? _entries.TryRemove(KeyValuePair.Create(key, current))
                : _entries.TryUpdate(key, NewEntry(replacement, timeToLive), current);
            if (replaced)
            {
                return Task.FromResult(true);
            }
        }
    }

    public Task RemoveAsync(string key)
    {
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<long> IncrementAsync(string key, long amount, TimeSpan timeToLive)
    {
        SweepNow();
        while (true)
        {
            if (TryGetLive(key, out var current))
            {
                var count = long.Parse(current.Value, CultureInfo.InvariantCulture) + amount;
                if (_entries.TryUpdate(key, current with { Value = count.ToString(CultureInfo.InvariantCulture) }, current))
                {
                    return Task.FromResult(count);
                }
            }
            else if (_entries.TryAdd(key, NewEntry(amount.ToString(CultureInfo.InvariantCulture), timeToLive)))
            {
                return Task.FromResult(amount);
            }
        }
    }

    public Task AddToSetAsync(string setKey, string member)
    {
        _sets.GetOrAdd(setKey, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal)).TryAdd(member, 0);
        return Task.CompletedTask;
    }

    public Task RemoveFromSetAsync(string setKey, string member)
    {
        if (_sets.TryGetValue(setKey, out var members))
        {
            members.TryRemove(member, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> MembersAsync(string setKey) =>
        Task.FromResult<IReadOnlyList<string>>(_sets.TryGetValue(setKey, out var members) ? [.. members.Keys] : []);

    public Task IndexAsync(string indexKey, string member, long score)
    {
        _indexes.GetOrAdd(indexKey, _ => new OrderedIndex()).Put(member, score);
        return Task.CompletedTask;
    }

    public Task UnindexAsync(string indexKey, string member)
    {
        if (_indexes.TryGetValue(indexKey, out var index))
        {
            index.Remove(member);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IndexEntry>> IndexPageAsync(string indexKey, IndexEntry? after, int count) =>
        Task.FromResult(_indexes.TryGetValue(indexKey, out var index) ? index.Page(after, count) : []);

    public Task<IReadOnlyList<IndexEntry>> IndexedUpToAsync(string indexKey, long score, int count) =>
        Task.FromResult(_indexes.TryGetValue(indexKey, out var index) ? index.UpTo(score, count) : []);

    public Task<RollingPermit> TakeRollingPermitAsync(string key, IReadOnlyList<RollingWindow> windows) =>
        Task.FromResult(_rolling.GetOrAdd(key, _ => new RollingLog()).Take(windows, clock.GetUtcNow()));

    public Task PauseRollingAsync(string key, TimeSpan duration)
    {
        _rolling.GetOrAdd(key, _ => new RollingLog()).Pause(clock.GetUtcNow() + duration);
        return Task.CompletedTask;
    }

    public Task TouchAsync(string setKey, string member)
    {
        _touched.GetOrAdd(setKey, _ => new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal))[member] = clock.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task<long> CountTouchedAsync(string setKey, TimeSpan within)
    {
        if (!_touched.TryGetValue(setKey, out var members))
        {
            return Task.FromResult(0L);
        }

        var since = clock.GetUtcNow() - within;
        foreach (var (member, seen) in members)
        {
            if (seen <= since)
            {
                members.TryRemove(KeyValuePair.Create(member, seen));
            }
        }

        return Task.FromResult((long)members.Count);
    }

    public Task ForgetTouchedAsync(string setKey, string member)
    {
        if (_touched.TryGetValue(setKey, out var members))
        {
            members.TryRemove(member, out _);
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(string channel, string message)
    {
        foreach (var onMessage in _listeners.GetValueOrDefault(channel, []))
        {
            onMessage(message);
        }

        return Task.CompletedTask;
    }

    public Task SubscribeAsync(string channel, Action<string> onMessage)
    {
        _listeners.AddOrUpdate(channel, [onMessage], (_, listeners) => listeners.Add(onMessage));
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;

    private Entry NewEntry(string value, TimeSpan timeToLive) => new(value, clock.GetUtcNow() + timeToLive);

    // An expired entry is removed on sight (only if it is still that entry), so callers see it as absent.
    private bool TryGetLive(string key, out Entry entry)
    {
        if (!_entries.TryGetValue(key, out entry))
        {
            return false;
        }

        if (entry.ExpiresAt > clock.GetUtcNow())
        {
            return true;
        }

        _entries.TryRemove(KeyValuePair.Create(key, entry));
        return false;
    }

    private void SweepNow()
    {
        var now = clock.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    /// <summary>The permits of one rolling-window limit taken within its longest window, oldest first, and its pause.</summary>
    private sealed class RollingLog
    {
        // Permits in the order taken; those before _head have left every window. They are cut off in one
        // move once they are half the list, so that a busy limit costs no copy of its log on each permit.
        private readonly List<DateTimeOffset> _taken = [];
        private readonly Lock _lock = new();
        private int _head;
        private DateTimeOffset _pausedUntil;

        public RollingPermit Take(IReadOnlyList<RollingWindow> windows, DateTimeOffset now)
        {
            lock (_lock)
            {
                if (_pausedUntil > now)
                {
                    return new RollingPermit(false, _pausedUntil - now, true, 0);
                }

                _head = FirstAfter(now - windows.Max(window => window.Length));
                if (_head > 64 && _head > _taken.Count / 2)
                {
                    _taken.RemoveRange(0, _head);
                    _head = 0;
                }

                var wait = TimeSpan.Zero;
                var remaining = int.MaxValue;
                foreach (var window in windows)
                {
                    var first = FirstAfter(now - window.Length);
                    var count = _taken.Count - first;
                    if (count >= window.Limit)
                    {
                        var freed = _taken[first + count - window.Limit] + window.Length - now;
                        wait = freed > wait ? freed : wait;
                    }
                    else
                    {
                        remaining = Math.Min(remaining, window.Limit - count - 1);
                    }
                }

                if (wait > TimeSpan.Zero)
                {
                    return new RollingPermit(false, wait, false, 0);
                }

                _taken.Add(now);
                return new RollingPermit(true, TimeSpan.Zero, false, remaining);
            }
        }

        public void Pause(DateTimeOffset until)
        {
            lock (_lock)
            {
                _pausedUntil = until > _pausedUntil ? until : _pausedUntil;
            }
        }

        // The index of the first permit taken after the instant, at or after _head.
        private int FirstAfter(DateTimeOffset instant)
        {
            var index = _taken.BinarySearch(_head, _taken.Count - _head, instant, null);
            if (index < 0)
            {
                return ~index;
            }

            while (index < _taken.Count && _taken[index] <= instant)
            {
                index++;
            }

            return index;
        }
    }

    /// <summary>One ordered index: its members in the order of <see cref="IStateStore.IndexPageAsync"/>, highest score first.</summary>
    private sealed class OrderedIndex
    {
        private static readonly Comparer<IndexEntry> Descending = Comparer<IndexEntry>.Create((x, y) =>
            x.Score != y.Score ? y.Score.CompareTo(x.Score) : string.CompareOrdinal(y.Member, x.Member));

        private readonly SortedSet<IndexEntry> _ordered = new(Descending);
        private readonly Dictionary<string, long> _scores = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public void Put(string member, long score)
        {
            lock (_lock)
            {
                if (_scores.TryGetValue(member, out var old))
                {
                    _ordered.Remove(new IndexEntry(member, old));
                }

                _scores[member] = score;
                _ordered.Add(new IndexEntry(member, score));
            }
        }

        public void Remove(string member)
        {
            lock (_lock)
            {
                if (_scores.Remove(member, out var old))
                {
                    _ordered.Remove(new IndexEntry(member, old));
                }
            }
        }

        public IReadOnlyList<IndexEntry> Page(IndexEntry? after, int count)
        {
            lock (_lock)
            {
                if (_ordered.Count == 0)
                {
                    return [];
                }

                if (after is not { } from)
                {
                    return [.. _ordered.Take(count)];
                }

                return Descending.Compare(from, _ordered.Max) >= 0
                    ? []
                    : [.. _ordered.GetViewBetween(from, _ordered.Max).SkipWhile(entry => entry == from).Take(count)];
            }
        }

        public IReadOnlyList<IndexEntry> UpTo(long score, int count)
        {
            lock (_lock)
            {
                return [.. _ordered.Reverse().TakeWhile(entry => entry.Score <= score).Take(count)];
            }
        }
    }

    private readonly record struct Entry(string Value, DateTimeOffset ExpiresAt);
}
