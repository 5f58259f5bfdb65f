using System.Diagnostics.Metrics;
using System.Globalization;
using Gateway.Hosting;

namespace Gateway.Sunra;

/// <summary>
/// <c>gateway_sunra_calls_total</c>: calls to Sunra by operation and HTTP status (or <c>no-answer</c>);
/// <c>gateway_sunra_throttles_total</c>: Sunra's throttles (403 over the account's limits) by operation;
/// <c>gateway_sunra_held_back_total</c>: calls not sent for the account's limits, by operation and reason
/// (<c>budget-spent</c>, <c>paused</c> after a throttle, <c>store-unavailable</c>).
/// </summary>
internal sealed class SunraCallMetrics
{
    private static readonly string[] OperationNames = ["submit", "status", "result", "cancel"];

    // HTTP status codes as tag values, made once rather than on every call.
    private static readonly string[] StatusNames = [.. Enumerable.Range(0, 600).Select(code => code.ToString(CultureInfo.InvariantCulture))];

    private static readonly string[] ReasonNames = ["budget-spent", "paused", "throttled", "store-unavailable"];

    private readonly Counter<long> _calls;
    private readonly Counter<long> _throttles;
    private readonly Counter<long> _heldBack;

    public SunraCallMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(GatewayMeter.Name);
        _calls = meter.CreateCounter<long>("gateway.sunra.calls", "{call}", "Calls to Sunra by operation and HTTP status (or the failure).");
        _throttles = meter.CreateCounter<long>("gateway.sunra.throttles", "{call}", "Calls Sunra refused for the account's rate limits (403 with rate-limit headers), by operation.");
        _heldBack = meter.CreateCounter<long>("gateway.sunra.held_back", "{call}", "Calls not sent to Sunra for the account's limits, by operation and reason.");
    }

    /// <param name="operation">The call.</param>
    /// <param name="status">The HTTP status Sunra answered with, or null when no answer came.</param>
    public void Call(SunraQueueCall operation, int? status) =>
        _calls.Add(
            1,
            new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]),
            new KeyValuePair<string, object?>("status", status switch { null => "no-answer", >= 0 and < 600 => StatusNames[status.Value], _ => "other" }));

    public void Throttled(SunraQueueCall operation) =>
        _throttles.Add(1, new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]));

    public void NotSent(SunraQueueCall operation, AccountRefusalReason reason) =>
        _heldBack.Add(
            1,
            new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]),
            new KeyValuePair<string, object?>("reason", ReasonNames[(int)reason]));
}
