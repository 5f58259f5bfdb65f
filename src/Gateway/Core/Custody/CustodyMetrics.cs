using System.Diagnostics.Metrics;
using Gateway.Hosting;

namespace Gateway.Core.Custody;

/// <summary>
/// <c>gateway_custody_copies_total</c>, <c>gateway_custody_bytes_total</c>,
/// <c>gateway_custody_failures_total</c> (failed attempts, by reason), <c>gateway_custody_lost_total</c>
/// (videos given up, by reason), and the gauges <c>gateway_custody_copying</c> (copies this replica is
/// making) and <c>gateway_custody_oldest_pending_seconds</c> (the age of the oldest copy still to make,
/// cluster-wide, as this replica last saw it).
/// </summary>
internal sealed class CustodyMetrics
{
    private readonly Counter<long> _copies;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _lost;
    private readonly Meter _meter;

    public CustodyMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(GatewayMeter.Name);
        _copies = meter.CreateCounter<long>("gateway.custody.copies", "{video}", "Videos copied from Sunra into the gateway's storage.");
        _bytes = meter.CreateCounter<long>("gateway.custody.bytes", "By", "Bytes of the videos copied into the gateway's storage.");
        _failures = meter.CreateCounter<long>("gateway.custody.failures", "{attempt}", "Attempts at a copy that failed, by reason.");
        _lost = meter.CreateCounter<long>("gateway.custody.lost", "{video}", "Videos the gateway gave up copying, by reason: they stay only at Sunra's URL.");
    }

    public void Copied(long bytes)
    {
        _copies.Add(1);
        _bytes.Add(bytes);
    }

    public void Failed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Lost(string reason) => _lost.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Observe(Func<int> copying, Func<double> oldestPendingSeconds)
    {
        _meter.CreateObservableGauge("gateway.custody.copying", copying, "{copy}", "Copies this replica is making now.");
        _meter.CreateObservableGauge("gateway.custody.oldest_pending", oldestPendingSeconds, "s", "The age of the oldest copy still to make, all replicas together (0 when none), as this replica last looked.");
    }
}
