using System.Collections.Concurrent;

namespace Sunra.Emulator;

/// <summary>A call refused for being over a limit: the window that refused it, and when it has room again.</summary>
/// <param name="Limit">The calls that window allows.</param>
/// <param name="Window">How long that window is: a second or a minute.</param>
/// <param name="ResetSeconds">Whole seconds until it has room again, rounded up, at least 1.</param>
internal readonly record struct LimitRefusal(int Limit, TimeSpan Window, int ResetSeconds);

/// <summary>
/// Sunra's account limits (<see cref="EmulatorLimits"/>), held exactly: each account keeps, per window,
/// the times of the calls it was allowed in that window (a sliding log, never longer than the window's
/// limit), so that a burst across the turn of a clock minute counts as one minute's calls. A refused
/// call is not counted. The windows run on the emulator's clock.
/// </summary>
public sealed class AccountLimiter(EmulatorOptions options, TimeProvider clock)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);

    private long _throttled;

    private long _lastSweep;

    /// <summary>Whether the limits are enforced at all (<see cref="EmulatorLimits.Enforce"/>).</summary>
    public bool IsEnforcing => options.Limits.Enforce;

    /// <summary>How many calls were refused with Sunra's 403 <c>RATE_LIMIT_EXCEEDED</c>.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Counts the call against its account's windows, or refuses it, uncounted, when one is full.</summary>
    /// <param name="key">The key the call presented: the account.</param>
    /// <param name="submit">A submit, limited apart from every other call.</param>
    internal LimitRefusal? TryAdmit(string key, bool submit)
    {
        var limits = options.Limits;
        if (!limits.Enforce)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcTicks;
        ForgetIdleAccounts(now);
        while (true)
        {
            var account = _accounts.GetOrAdd(key, static (_, limits) => new Account(limits), limits);
            lock (account)
            {
                // Forgotten between the lookup and the lock: its log is gone with it, so ask again.
                if (account.Forgotten)
                {
                    continue;
                }

                var refusal = account.TryAdmit(submit, now);
                if (refusal is not null)
                {
                    Interlocked.Increment(ref _throttled);
                }

                return refusal;
            }
        }
    }

    // An account whose windows have all emptied is dropped, so that the keys seen over a long run hold
    // no memory; looked for at most once a minute of the clock.
    private void ForgetIdleAccounts(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < Minute.Ticks || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, account) in _accounts)
        {
            lock (account)
            {
                if (account.IsIdle(now))
                {
                    account.Forgotten = true;
                    _accounts.TryRemove(new KeyValuePair<string, Account>(key, account));
                }
            }
        }
    }

    /// <summary>One account's windows: a second and a minute for submits, and the same for every other call.</summary>
    private sealed class Account(EmulatorLimits limits)
    {
        private readonly SlidingLog[] _submits = [new(limits.SubmitsPerSecond, Second), new(limits.SubmitsPerMinute, Minute)];

        private readonly SlidingLog[] _others = [new(limits.OtherCallsPerSecond, Second), new(limits.OtherCallsPerMinute, Minute)];

        public bool Forgotten { get; set; }

        public LimitRefusal? TryAdmit(bool submit, long now)
        {
            var windows = submit ? _submits : _others;
            SlidingLog? full = null;
            foreach (var window in windows)
            {
                window.Expire(now);

                // Over both, the call has room only when both have: the later one is the answer.
                if (window.IsFull && (full is null || window.RoomAt > full.RoomAt))
                {
                    full = window;
                }
            }

            if (full is not null)
            {
                var wait = full.RoomAt - now;
                var seconds = (wait + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
                return new LimitRefusal(full.Limit, full.Length, (int)Math.Max(1, seconds));
            }

            foreach (var window in windows)
            {
                window.Add(now);
            }

            return null;
        }

        public bool IsIdle(long now) => AreEmpty(_submits, now) && AreEmpty(_others, now);

        private static bool AreEmpty(SlidingLog[] windows, long now)
        {
            foreach (var window in windows)
            {
                window.Expire(now);
                if (!window.IsEmpty)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The times, in ticks, of the calls allowed within the last <see cref="Length"/>, oldest first.</summary>
    private sealed class SlidingLog(int limit, TimeSpan length)
    {
        private readonly Queue<long> _times = new();

        public int Limit => limit;

        public TimeSpan Length => length;

        public bool IsFull => _times.Count >= limit;

        public bool IsEmpty => _times.Count == 0;

        /// <summary>When the oldest call leaves the window, making room for one more.</summary>
        public long RoomAt => _times.Peek() + length.Ticks;

        public void Expire(long now)
        {
            while (_times.TryPeek(out var oldest) && oldest + length.Ticks <= now)
            {
                _times.Dequeue();
            }
        }

        public void Add(long now) => _times.Enqueue(now);
    }
}
