using Gateway.Problems;

namespace Gateway.Callers;

/// <summary>
/// The daily submit quota, the cost guard: a window per caller from 00:00 UTC, shared by the
/// replicas. It is taken just before Sunra is called, after validation and idempotency, and given
/// back when Sunra certainly sold nothing, so that only remixes that may have been bought count.
/// </summary>
public sealed class SubmitQuota(CallerWindows windows, CallerDirectory callers)
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public Task<WindowPermit> TakeAsync(string caller) =>
        windows.TakeAsync($"quota:{caller}", callers.Named(caller)?.DailySubmitQuota ?? 0, Day);

    public Task GiveBackAsync(WindowPermit permit) => windows.GiveBackAsync(permit);

    /// <summary>The refusal of a permit that was not acquired: when the day turns, and the quota.</summary>
    public static Problem Exhausted(WindowPermit permit) =>
        ProblemCatalog.QuotaExhausted.AsProblem() with { RetryAfter = permit.UntilReset, Limit = permit.Limit };
}
