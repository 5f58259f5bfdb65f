using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.Benchmarks;

/// <summary>
/// A clock that runs <see cref="Factor"/> times faster than real time, for the scale run: its time and
/// timestamps advance that much faster, and its timers wait their due times and periods divided by it,
/// so <c>Task.Delay(x, clock)</c> takes x / K of real time. The gateway and the emulator both read it,
/// so Sunra's windows, the gateway's budget and the remixes' run times all pass on the same clock.
/// </summary>
/// <remarks>
/// The factor may change while the clock runs (<see cref="ChangeFactor"/>): time goes on from where it
/// is, and every pending timer is set again for what is left of its due time at the new pace. What the
/// clock cannot compress is the real time the work itself takes: a call that takes a millisecond on
/// the loopback takes K milliseconds of the clock's time.
/// </remarks>
internal sealed class CompressedClock : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly ConcurrentDictionary<CompressedTimer, byte> _pending = new();
    private readonly Lock _changing = new();
    private Pace _pace;

    public CompressedClock(DateTimeOffset start, double factor)
    {
        _start = start;
        _pace = new Pace(Stopwatch.GetTimestamp(), 0, factor);
    }

    /// <summary>The clock's time when it started.</summary>
    public DateTimeOffset Start => _start;

    /// <summary>How many times faster than real time the clock runs now.</summary>
    public double Factor => Volatile.Read(ref _pace).Factor;

    /// <summary>The clock's time since it started.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Ticks());

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Ticks());

    public override long GetTimestamp() => Ticks();

    /// <summary>From now on the clock runs <paramref name="factor"/> times faster than real time; pending timers keep their due times on the clock.</summary>
    public void ChangeFactor(double factor)
    {
        lock (_changing)
        {
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _pace, new Pace(now, _pace.TicksAt(now), factor));
        }

        foreach (var timer in _pending.Keys)
        {
            timer.Arm();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new CompressedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private long Ticks() => Volatile.Read(ref _pace).TicksAt(Stopwatch.GetTimestamp());

    /// <summary>How the clock's ticks follow the real ones since the last change of factor.</summary>
    private sealed record Pace(long RealAt, long TicksAtChange, double Factor)
    {
        public long TicksAt(long real) =>
            TicksAtChange + (long)((real - RealAt) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency * Factor);

        public TimeSpan RealTimeUntil(long ticks, long now) =>
            ticks <= now ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling((ticks - now) / Factor));
    }

    /// <summary>
    /// A real timer set for the clock's due time at the clock's pace. Periodic timers are set again one
    /// period of the clock after each due time (never catching up on missed ticks, as a real timer's
    /// consumers expect), so a change of pace applies from the next tick on.
    /// </summary>
    private sealed class CompressedTimer : ITimer
    {
        private const long Off = long.MaxValue;

        private readonly CompressedClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly Timer _timer;
        private readonly Lock _lock = new();
        private long _dueTicks = Off;
        private long _periodTicks;
        private bool _disposed;

        public CompressedTimer(CompressedClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;

            // Not rooted by the runtime's timer queue beyond its due time: the clock's pending set holds it.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = new Timer(static self => ((CompressedTimer)self!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return false;
                }

                _periodTicks = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
                _dueTicks = dueTime == Timeout.InfiniteTimeSpan ? Off : _clock.Ticks() + Math.Max(0, dueTime.Ticks);
            }

            Arm();
            return true;
        }

        /// <summary>Sets the real timer for what is left of the due time at the clock's present pace.</summary>
        public void Arm()
        {
            lock (_lock)
            {
                if (_disposed || _dueTicks == Off)
                {
                    _clock._pending.TryRemove(this, out _);
                    _timer.Change(Timeout.Infinite, Timeout.Infinite);
                    return;
                }

                _clock._pending.TryAdd(this, 0);
                var pace = Volatile.Read(ref _clock._pace);
                _timer.Change(pace.RealTimeUntil(_dueTicks, pace.TicksAt(Stopwatch.GetTimestamp())), Timeout.InfiniteTimeSpan);
            }
        }

        private void Fire()
        {
            lock (_lock)
            {
                var now = _clock.Ticks();
                if (_disposed || _dueTicks == Off)
                {
                    return;
                }

                // Set for a faster pace, or for a due time since changed: not yet.
                if (now < _dueTicks)
                {
                    var pace = Volatile.Read(ref _clock._pace);
                    _timer.Change(pace.RealTimeUntil(_dueTicks, now), Timeout.InfiniteTimeSpan);
                    return;
                }

                if (_periodTicks > 0)
                {
                    _dueTicks = Math.Max(_dueTicks + _periodTicks, now + 1);
                    var pace = Volatile.Read(ref _clock._pace);
                    _timer.Change(pace.RealTimeUntil(_dueTicks, now), Timeout.InfiniteTimeSpan);
                }
                else
                {
                    _dueTicks = Off;
                    _clock._pending.TryRemove(this, out _);
                }
            }

            _callback(_state);
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                _dueTicks = Off;
                _clock._pending.TryRemove(this, out _);
            }

            _timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
