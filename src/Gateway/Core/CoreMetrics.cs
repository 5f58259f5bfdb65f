using System.Diagnostics.Metrics;
using Gateway.Hosting;

namespace Gateway.Core;

/// <summary>
/// <c>gateway_remix_submits_total</c> (submits by caller and outcome: accepted, replayed, refused,
/// unknown) and <c>gateway_status_reads_total</c> (status reads by where the answer came from: the
/// kept status, a hit, or Sunra, a miss).
/// </summary>
internal sealed class CoreMetrics
{
    private readonly Counter<long> _submits;
    private readonly Counter<long> _statusReads;

    public CoreMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(GatewayMeter.Name);
        _submits = meter.CreateCounter<long>("gateway.remix.submits", "{submit}", "Remix submits by caller and outcome (accepted, replayed, refused, unknown).");
        _statusReads = meter.CreateCounter<long>("gateway.status.reads", "{read}", "Status reads by where the answer came from: the kept status (hit) or Sunra (miss).");
    }

    public void Submit(string caller, string outcome) =>
        _submits.Add(1, new KeyValuePair<string, object?>("caller", caller), new KeyValuePair<string, object?>("outcome", outcome));

    public void StatusRead(bool kept) => _statusReads.Add(1, new KeyValuePair<string, object?>("cache", kept ? "hit" : "miss"));
}
