using System.Collections.Concurrent;
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

    private readonly record struct Entry(string Value, DateTimeOffset ExpiresAt);
}
