namespace Sunra.Protocol;

/// <summary>
/// Sunra's limits per account (per key), as its queue documentation gives them, over rolling windows,
/// and the headers of the 403 (<see cref="SunraErrors.RateLimitExceeded"/>) it answers past one.
/// </summary>
public static class SunraAccountLimits
{
    /// <summary>Submits to the queue in any rolling second.</summary>
    public const int SubmitsPerSecond = 10;

    /// <summary>Submits to the queue in any rolling minute (the documentation's "burst").</summary>
    public const int SubmitsPerMinute = 100;

    /// <summary>Every other queue call (status, status stream, result, cancel) in any rolling second.</summary>
    public const int OtherCallsPerSecond = 100;

    /// <summary>Every other queue call in any rolling minute.</summary>
    public const int OtherCallsPerMinute = 1_800;

    /// <summary>The limit of the window that refused the call.</summary>
    public const string LimitHeader = "x-ratelimit-limit";

    /// <summary>The calls left in that window: 0 on a refusal.</summary>
    public const string RemainingHeader = "x-ratelimit-remaining";

    /// <summary>Whole seconds until that window has room again.</summary>
    public const string ResetHeader = "x-ratelimit-reset";
}
