namespace Gateway.Core;

/// <summary>The core's settings under <c>Gateway</c>: how streams keep alive, where webhooks may go, and what is kept of each remix.</summary>
public sealed class RemixOptions
{
    /// <summary>How long an event stream stays silent before a heartbeat comment keeps it (and the proxies on its way) alive.</summary>
    public double EventsHeartbeatSeconds { get; set; } = 15;

    public WebhookOptions Webhooks { get; set; } = new();

    public RecordsOptions Records { get; set; } = new();

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

/// <summary>What the record of each remix keeps, and for how long (<c>Gateway:Records</c>).</summary>
public sealed class RecordsOptions
{
    /// <summary>Whether a record keeps the remix's prompt: off by default, since a prompt can be sensitive.</summary>
    public bool KeepPrompts { get; set; }

    /// <summary>How long a remix's record is kept (and listed) after its submit.</summary>
    public int RetentionDays { get; set; } = 30;

    internal TimeSpan Retention => TimeSpan.FromDays(RetentionDays);

    /// <summary>
    /// How long what the gateway knows of a remix (its owner, kept status and result) is kept: as long as
    /// its record, and never less than <see cref="State.RemixOwners.Retention"/>, so that every remix the
    /// list shows can still be read through its links.
    /// </summary>
    internal TimeSpan FactsRetention => Retention > State.RemixOwners.Retention ? Retention : State.RemixOwners.Retention;
}
