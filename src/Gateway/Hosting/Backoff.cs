namespace Gateway.Hosting;

/// <summary>The one exponential backoff of the gateway: the first wait, doubled for each attempt after the first, never above a ceiling.</summary>
public static class Backoff
{
    /// <param name="first">The wait after the first failure.</param>
    /// <param name="failures">How many times it failed so far (1 for the first wait).</param>
    /// <param name="longest">The ceiling.</param>
    public static TimeSpan Exponential(TimeSpan first, int failures, TimeSpan longest)
    {
        var doublings = Math.Clamp(failures - 1, 0, 30);
        var ticks = first.Ticks > longest.Ticks >> doublings ? longest.Ticks : first.Ticks << doublings;
        return TimeSpan.FromTicks(Math.Min(ticks, longest.Ticks));
    }
}
