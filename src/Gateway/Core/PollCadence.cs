using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;

namespace Gateway.Core;

/// <summary>
/// How often each followed remix is polled, so that the polls of all remixes together fit the account's
/// budget: with N remixes followed (read by a caller, a stream or a webhook waiting for it, across all
/// replicas) and B polls a second to spend (<see cref="AccountBudget.PollsPerSecond"/>), every N/B
/// seconds, never more often than <c>Sunra:StatusPollIntervalSeconds</c> (or, when Sunra calls back at
/// the end of each remix, <c>Sunra:KeepAlivePollSeconds</c>). N is counted in the store
/// (the remixes whose status was wanted lately) and read again at most once a second per replica.
/// </summary>
internal sealed class PollCadence
{
    private const string FollowedKey = "polls:followed";

    private static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortestHorizon = TimeSpan.FromSeconds(30);

    private const double FreshShare = 0.9;

    private readonly IStateStore _store;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _shortest;
    private readonly double _pollsPerSecond;
    private long _followed;
    private long _countedAt;
    private int _counting;

    public PollCadence(IStateStore store, AccountBudget budget, IOptions<SunraOptions> options, TimeProvider clock, CoreMetrics metrics)
    {
        _store = store;
        _clock = clock;
        _shortest = options.Value.ShortestPollInterval;
        _pollsPerSecond = budget.PollsPerSecond;
        _countedAt = long.MinValue;
        metrics.ObservePolls(() => Volatile.Read(ref _followed), () => Interval.TotalSeconds);
    }

    /// <summary>How many remixes are followed, all replicas together, as last counted.</summary>
    public long Followed => Volatile.Read(ref _followed);

    /// <summary>The time between two polls of one remix now: how long a status stays fresh, and the moment it takes a reader to find it stale.</summary>
    public TimeSpan Interval => FreshFor / FreshShare;

    /// <summary>
    /// How long a status is news, and the remix's turn lasts: N/B, so that the polls of all remixes
    /// together stay within the budget however fast they are read, but no less than a little under
    /// the shortest interval, so that a watcher reading once per interval never finds the status it
    /// already had, and hears of a change at most an interval late.
    /// </summary>
    public TimeSpan FreshFor
    {
        get
        {
            CountIfDue();
            var spread = TimeSpan.FromSeconds(Volatile.Read(ref _followed) / _pollsPerSecond);
            var shortest = _shortest * FreshShare;
            return spread > shortest ? spread : shortest;
        }
    }

    /// <summary>Counts the remix among the followed: its status was wanted and is no longer fresh.</summary>
    public async Task FollowAsync(string requestId)
    {
        try
        {
            await _store.TouchAsync(FollowedKey, requestId);
        }
        catch (StateStoreUnavailableException)
        {
            // Counted again at its next poll; meanwhile the budget itself holds every call back.
        }
    }

    /// <summary>
    /// The remix has ended (its final status is kept, and read from the store from now on): it is polled
    /// no more, so it leaves the followed at once. Counted until the horizon (three intervals, at least
    /// 30 s), ended remixes stretched the interval: by a fifth for an account that completes remixes as
    /// fast as Sunra lets it submit them, by a half with 100 in flight.
    /// </summary>
    public async Task UnfollowAsync(string requestId)
    {
        try
        {
            await _store.ForgetTouchedAsync(FollowedKey, requestId);
        }
        catch (StateStoreUnavailableException)
        {
            // It leaves the count at the horizon instead.
        }
    }

    // A remix counts as followed while wanted within a few intervals (at least 30 s), so that one read
    // once per interval, however long that is, keeps counting.
    private void CountIfDue()
    {
        var now = _clock.GetTimestamp();
        var countedAt = Volatile.Read(ref _countedAt);
        if ((countedAt != long.MinValue && _clock.GetElapsedTime(countedAt, now) < CountEvery) || Interlocked.CompareExchange(ref _counting, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _countedAt, now);
        _ = CountAsync();
    }

    private async Task CountAsync()
    {
        try
        {
            var interval = TimeSpan.FromSeconds(Volatile.Read(ref _followed) / _pollsPerSecond) * 3;
            Volatile.Write(ref _followed, await _store.CountTouchedAsync(FollowedKey, interval > ShortestHorizon ? interval : ShortestHorizon));
        }
        catch (StateStoreUnavailableException)
        {
            // The last count serves until the store is back.
        }
        finally
        {
            Volatile.Write(ref _counting, 0);
        }
    }
}
