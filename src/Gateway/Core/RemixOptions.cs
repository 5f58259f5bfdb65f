namespace Gateway.Core;

/// <summary>The core's settings under <c>Gateway</c>: how streams keep alive, and where webhooks may go.</summary>
public sealed class RemixOptions
{
    /// <summary>How long an event stream stays silent before a heartbeat comment keeps it (and the proxies on its way) alive.</summary>
    public double EventsHeartbeatSeconds { get; set; } = 15;

    public WebhookOptions Webhooks { get; set; } = new();

    internal TimeSpan EventsHeartbeat => TimeSpan.FromSeconds(EventsHeartbeatSeconds);
}

/// <summary>Where webhooks may go (<c>Gateway:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The only hosts a <c>webhook_url</c> may name (exact names or IP addresses): nothing else is ever called.</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>The wait before the second attempt at a webhook; it doubles with each attempt, up to ten minutes.</summary>
    public double FirstRetrySeconds { get; set; } = 5;
}
