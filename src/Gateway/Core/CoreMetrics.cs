using System.Diagnostics.Metrics;
using Gateway.Hosting;

namespace Gateway.Core;

/// <summary>
/// <c>gateway_remix_submits_total</c> (submits by caller and outcome: accepted, replayed, refused,
/// unknown) and <c>gateway_status_reads_total</c> (status reads by where the answer came from: the
/// kept status, a hit, or Sunra, a miss), and the gauges of the status polls.
/// </summary>
internal sealed class CoreMetrics
{
    private readonly Counter<long> _submits;
    private readonly Counter<long> _statusReads;
    private readonly Meter _meter;

    public CoreMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(GatewayMeter.Name);
        _submits = meter.CreateCounter<long>("gateway.remix.submits", "{submit}", "Remix submits by caller and outcome (accepted, replayed, refused, unknown).");
        _statusReads = meter.CreateCounter<long>("gateway.status.reads", "{read}", "Status reads by whether the kept status was fresh (hit) or stale, so that the read started the remix's poll (miss).");
    }

    public void Submit(string caller, string outcome) =>
        _submits.Add(1, new KeyValuePair<string, object?>("caller", caller), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary><c>gateway_polls_followed</c> and <c>gateway_polls_interval_seconds</c>: the remixes followed, all replicas together, and the time between two polls of one.</summary>
    public void ObservePolls(Func<long> followed, Func<double> interval)
    {
        _meter.CreateObservableGauge("gateway.polls.followed", followed, "{remix}", "Remixes whose status is followed (read lately), all replicas together.");
        _meter.CreateObservableGauge("gateway.polls.interval", interval, "s", "The time between two status polls of one remix, as the account's budget spreads them.");
    }

    public void ObserveStreams(Func<long> streams, Func<int> remixes)
    {
        _meter.CreateObservableGauge("gateway.streams.open", streams, "{stream}", "Event streams open on this replica, on both doors.");
        _meter.CreateObservableGauge("gateway.streams.remixes", remixes, "{remix}", "Remixes this replica's event streams follow: each is read once, however many streams follow it.");
    }

    public void StatusRead(bool kept) => _statusReads.Add(1, new KeyValuePair<string, object?>("cache", kept ? "hit" : "miss"));
}
