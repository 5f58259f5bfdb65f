using System.Diagnostics.Metrics;
using Gateway.Hosting;

namespace Gateway.Delivery;

/// <summary><c>gateway_webhook_deliveries_total</c>: webhook attempts by outcome (delivered, refused, unreachable, abandoned).</summary>
internal sealed class WebhookMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _deliveries = meters.Create(GatewayMeter.Name)
        .CreateCounter<long>("gateway.webhook.deliveries", "{delivery}", "Webhook attempts by outcome (delivered, refused, unreachable, abandoned).");

    public void WebhookDelivery(string outcome) => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
