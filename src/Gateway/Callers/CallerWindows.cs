using Gateway.State;

namespace Gateway.Callers;

/// <summary>A permit taken from a window, kept so that it can be given back.</summary>
public readonly record struct WindowPermit(string CounterKey, bool Acquired, TimeSpan UntilReset, TimeSpan Window, int Limit);

/// <summary>
/// Fixed windows counted in the state store, so that a caller's limits hold across every replica.
/// Windows are aligned to the clock (minutes on the minute, days at 00:00 UTC), so each replica
/// computes the same window and an exact Retry-After.
/// </summary>
public sealed class CallerWindows(IStateStore store, TimeProvider clock)
{
    // A counter outlives its window a little, so that late give-backs find it.
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(1);

    public async Task<WindowPermit> TakeAsync(string counter, int limit, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        var index = now.UtcTicks / window.Ticks;
        var key = $"window:{counter}:{index}";
        var untilReset = new DateTimeOffset((index + 1) * window.Ticks, TimeSpan.Zero) - now;
        var count = await store.IncrementAsync(key, 1, window + Slack);
        if (count <= limit)
        {
            return new WindowPermit(key, Acquired: true, untilReset, window, limit);
        }

        // A refused request takes nothing, so that a permit given back is usable again.
        await store.IncrementAsync(key, -1, window + Slack);
        return new WindowPermit(key, Acquired: false, untilReset, window, limit);
    }

    /// <summary>Returns a permit whose request bought nothing.</summary>
    public Task GiveBackAsync(WindowPermit permit) =>
        permit.Acquired ? store.IncrementAsync(permit.CounterKey, -1, permit.Window + Slack) : Task.CompletedTask;
}
