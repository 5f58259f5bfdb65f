using Gateway.Hosting;
using Gateway.State;
using Microsoft.Extensions.Options;

namespace Gateway.Sunra;

/// <summary>
/// Sunra's account limits (<see cref="SunraLimits"/>), counted in the state store so that all replicas
/// together stay within them: a permit per call, in rolling windows as Sunra's are, each window a
/// little longer than Sunra's so that the time a call spends on its way cannot make two windows
/// overlap at Sunra's end. When Sunra throttles the account anyway (its limits are tighter than the
/// settings say, or another client spends the same account), the kind of call it refused is paused
/// for as long as Sunra asks.
/// </summary>
internal sealed class AccountBudget(IStateStore store, IOptions<SunraOptions> options, TimeProvider clock)
{
    private const string SubmitsKey = "sunra-budget:submits";
    private const string OthersKey = "sunra-budget:others";

    /// <summary>How long a read (result, cancel, logs) may wait for a permit before it is refused.</summary>
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly SunraLimits _limits = options.Value.Limits;
    private int _throttlesInARow;
    private PollHold _pollHold = new(long.MinValue, AccountRefusalReason.BudgetSpent);

    /// <summary>How many status polls a second the budget allows, all replicas together.</summary>
    public double PollsPerSecond => _limits.PollShare * Math.Min(_limits.OtherCallsPerSecond, _limits.OtherCallsPerMinute / 60.0);

    /// <summary>
    /// Why, and for how long, no status poll can have a permit, as the last poll held back learned; null
    /// when one may. A window frees its permits only as time passes and a pause only ever lengthens, so
    /// until then a poll is refused whatever any replica does, and <see cref="SunraQueueClient"/> refuses
    /// it without building the call: with thousands of remixes followed, most reads of a stale status
    /// come while the budget is spent, and each built call cost as much CPU as a whole request.
    /// </summary>
    public SunraAccountRefusal? PollHeldBack()
    {
        var hold = Volatile.Read(ref _pollHold);
        var now = clock.GetTimestamp();
        return hold.Until > now ? new SunraAccountRefusal(hold.Reason, clock.GetElapsedTime(now, hold.Until)) : null;
    }

    /// <summary>A permit for a call of this kind, waiting for one as long as the kind may; else <see cref="SunraAccountRefusal"/>.</summary>
    public async Task<RollingPermit> TakeAsync(SunraCallKind kind, CancellationToken cancellationToken)
    {
        var patience = kind switch
        {
            SunraCallKind.Submit => TimeSpan.FromSeconds(_limits.SubmitWaitSeconds),
            SunraCallKind.Read => ReadWait,
            _ => TimeSpan.Zero,
        };
        var started = clock.GetTimestamp();
        while (true)
        {
            RollingPermit permit;
            try
            {
                permit = await store.TakeRollingPermitAsync(KeyOf(kind), WindowsOf(kind));
            }
            catch (StateStoreUnavailableException e)
            {
                throw new SunraAccountRefusal(AccountRefusalReason.StoreUnavailable, StateStoreUnavailableHandler.RetryAfter, e);
            }

            if (permit.Taken)
            {
                return permit;
            }

            if (permit.Paused || permit.Wait > patience - clock.GetElapsedTime(started))
            {
                var reason = permit.Paused ? AccountRefusalReason.Paused : AccountRefusalReason.BudgetSpent;
                if (kind == SunraCallKind.Poll)
                {
                    HoldPolls(reason, permit.Wait);
                }

                throw new SunraAccountRefusal(reason, permit.Wait);
            }

            try
            {
                await Task.Delay(permit.Wait, clock, cancellationToken);
            }
            catch (OperationCanceledException e)
            {
                // The attempt's timeout (or the caller) ended the wait: nothing was sent, which a
                // timeout must not be taken to mean (a submit that timed out may have been sold).
                throw new SunraAccountRefusal(AccountRefusalReason.BudgetSpent, permit.Wait, e);
            }
        }
    }

    /// <summary>
    /// Sunra throttled a call of this kind: no more of the kind are sent, from any replica, until the
    /// wait Sunra named, or, when it named none, a wait that doubles while the throttles go on.
    /// </summary>
    public async Task<TimeSpan> PauseAsync(SunraCallKind kind, TimeSpan? requested)
    {
        var inARow = Interlocked.Increment(ref _throttlesInARow);
        var pause = requested is { } wait && wait > TimeSpan.Zero
            ? TimeSpan.FromSeconds(Math.Clamp(wait.TotalSeconds, 1, 3600))
            : Backoff.Exponential(Second, inARow, Minute);
        try
        {
            await store.PauseRollingAsync(KeyOf(kind), pause);
        }
        catch (StateStoreUnavailableException)
        {
            // Without the store no call is sent anyway: every permit is refused until it is back.
        }

        return pause;
    }

    /// <summary>Sunra answered without a throttle: a later throttle starts its backoff afresh.</summary>
    public void Answered() => Volatile.Write(ref _throttlesInARow, 0);

    // The later of two holds wins: a poll refused by the other's window cannot have a permit before either ends.
    private void HoldPolls(AccountRefusalReason reason, TimeSpan wait)
    {
        var hold = new PollHold(clock.GetTimestamp() + (long)(wait.TotalSeconds * clock.TimestampFrequency), reason);
        var seen = Volatile.Read(ref _pollHold);
        while (seen.Until < hold.Until)
        {
            var previous = Interlocked.CompareExchange(ref _pollHold, hold, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private static string KeyOf(SunraCallKind kind) => kind == SunraCallKind.Submit ? SubmitsKey : OthersKey;

    private RollingWindow[] WindowsOf(SunraCallKind kind) => kind switch
    {
        SunraCallKind.Submit => [Window(_limits.SubmitsPerSecond, Second), Window(_limits.SubmitsPerMinute, Minute)],
        SunraCallKind.Poll => [Window(Share(_limits.OtherCallsPerSecond), Second), Window(Share(_limits.OtherCallsPerMinute), Minute)],
        _ => [Window(_limits.OtherCallsPerSecond, Second), Window(_limits.OtherCallsPerMinute, Minute)],
    };

    private int Share(int limit) => Math.Max(1, (int)(limit * _limits.PollShare));

    // A permit stays in its window a quarter of a second longer than Sunra's window lasts: a call that
    // reaches Sunra later than the ones after it (a new TLS connection costs a few round trips) by up to
    // that much still cannot make Sunra count one too many. In a burst this spends the per-second limit
    // a little below Sunra's rate (10 in 1.25 s); the minute, which binds any longer run, loses 0.4 %.
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(250);

    private static RollingWindow Window(int limit, TimeSpan length) => new(limit, length + Margin);

    /// <summary>Until when (a timestamp of the clock) no poll can have a permit, and why.</summary>
    private sealed record PollHold(long Until, AccountRefusalReason Reason);
}
