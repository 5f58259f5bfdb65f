using System.Diagnostics.Metrics;
using System.Globalization;
using Gateway.Hosting;

namespace Gateway.Sunra;

/// <summary><c>gateway_sunra_calls_total</c>: calls to Sunra by operation and HTTP status (or <c>no-answer</c>), each attempt once.</summary>
internal sealed class SunraCallMetrics
{
    private static readonly string[] OperationNames = ["submit", "status", "result", "cancel"];

    // HTTP status codes as tag values, made once rather than on every call.
    private static readonly string[] StatusNames = [.. Enumerable.Range(0, 600).Select(code => code.ToString(CultureInfo.InvariantCulture))];

    private readonly Counter<long> _calls;

    public SunraCallMetrics(IMeterFactory meters) =>
        _calls = meters.Create(GatewayMeter.Name).CreateCounter<long>("gateway.sunra.calls", "{call}", "Calls to Sunra by operation and HTTP status (or the failure).");

    /// <param name="operation">The call.</param>
    /// <param name="status">The HTTP status Sunra answered with, or null when no answer came.</param>
    public void Call(SunraQueueCall operation, int? status) =>
        _calls.Add(
            1,
            new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]),
            new KeyValuePair<string, object?>("status", status switch { null => "no-answer", >= 0 and < 600 => StatusNames[status.Value], _ => "other" }));
}
