namespace Gateway.Callers;

/// <summary>How much one caller may do (<c>Gateway:Defaults</c>, or each caller's own).</summary>
public sealed class CallerLimits
{
    /// <summary>Remixes submitted per minute.</summary>
    public int SubmitsPerMinute { get; set; } = 10;

    /// <summary>Status, result, events and cancel calls per minute (polling is cheap and frequent).</summary>
    public int ReadsPerMinute { get; set; } = 600;

    /// <summary>Remixes submitted per day: the cost guard.</summary>
    public int DailySubmitQuota { get; set; } = 200;

    /// <summary>Event streams open at once: each keeps a connection open while it lives.</summary>
    public int ConcurrentStreams { get; set; } = 10;
}
