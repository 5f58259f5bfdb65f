using System.Diagnostics.Metrics;

namespace Gateway.Hosting;

/// <summary>
/// The gateway's own metrics (meter <c>Gateway</c>), beside ASP.NET Core's request rates and
/// durations: what was bought, what Sunra was asked, what the status cache saved, and what webhooks
/// did. Tags are the caller's name, operations and outcomes: never a key, a URL or a request id.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Gateway";

    private readonly Counter<long> _submits;
    private readonly Counter<long> _sunraCalls;
    private readonly Counter<long> _statusReads;
    private readonly Counter<long> _webhookDeliveries;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _submits = meter.CreateCounter<long>("gateway.remix.submits", "{submit}", "Remix submits by caller and outcome (accepted, replayed, refused, unknown).");
        _sunraCalls = meter.CreateCounter<long>("gateway.sunra.calls", "{call}", "Calls to Sunra by operation and HTTP status (or the failure).");
        _statusReads = meter.CreateCounter<long>("gateway.status.reads", "{read}", "Status reads by where the answer came from: the kept status (hit) or Sunra (miss).");
        _webhookDeliveries = meter.CreateCounter<long>("gateway.webhook.deliveries", "{delivery}", "Webhook attempts by outcome (delivered, refused, unreachable, abandoned).");
    }

    public void Submit(string caller, string outcome) =>
        _submits.Add(1, new KeyValuePair<string, object?>("caller", caller), new KeyValuePair<string, object?>("outcome", outcome));

    public void SunraCall(string operation, string status) =>
        _sunraCalls.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("status", status));

    public void StatusRead(bool kept) => _statusReads.Add(1, new KeyValuePair<string, object?>("cache", kept ? "hit" : "miss"));

    public void WebhookDelivery(string outcome) => _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
