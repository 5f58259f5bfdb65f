namespace Gateway.Callers;

/// <summary>One internal service (<c>Gateway:Clients:{name}</c>).</summary>
public sealed class CallerOptions
{
    /// <summary>SHA-256 of the caller's key, lowercase hex: the key itself is never configured.</summary>
    public string? KeySha256 { get; set; }

    public int? SubmitsPerMinute { get; set; }

    public int? ReadsPerMinute { get; set; }

    public int? DailySubmitQuota { get; set; }

    public int? ConcurrentStreams { get; set; }

    /// <summary>The secret that signs this caller's webhooks (HMAC-SHA256); without it the caller cannot ask for webhooks.</summary>
    public string? WebhookSecret { get; set; }
}
