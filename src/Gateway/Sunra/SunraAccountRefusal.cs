namespace Gateway.Sunra;

/// <summary>Why a call to Sunra was not made, or was refused, for the account's limits.</summary>
internal enum AccountRefusalReason
{
    /// <summary>The account's budget has no permit for the call within its wait: nothing was sent.</summary>
    BudgetSpent,

    /// <summary>Sunra throttled the account earlier and the pause it asked for is not over: nothing was sent.</summary>
    Paused,

    /// <summary>Sunra answered this call with its throttle (a 403 with rate-limit headers).</summary>
    Throttled,

    /// <summary>The budget could not be counted: the state store is away. Nothing was sent.</summary>
    StoreUnavailable,
}

/// <summary>
/// Thrown by <see cref="SunraBudgetHandler"/> inside the Sunra client's pipeline, so that neither the
/// retries nor the circuit breaker take it for a failing Sunra; <see cref="SunraQueueClient"/> turns it
/// into the caller's problem.
/// </summary>
internal sealed class SunraAccountRefusal(AccountRefusalReason reason, TimeSpan retryAfter, Exception? innerException = null)
    : Exception($"The call to Sunra was not made or was throttled ({reason}); try again in {retryAfter.TotalSeconds:0.###} s.", innerException)
{
    public AccountRefusalReason Reason { get; } = reason;

    /// <summary>How long until a permit could be had, or the pause is over.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>Whether Sunra received the call (and answered 403): only then is it counted as a call.</summary>
    public bool ReachedSunra => Reason == AccountRefusalReason.Throttled;
}
