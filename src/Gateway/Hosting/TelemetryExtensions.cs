using System.Diagnostics;
using OpenTelemetry.Metrics;

namespace Gateway.Hosting;

public static class TelemetryExtensions
{
    /// <summary>The runtime's own meter: GC, allocations, memory, thread pool and exceptions.</summary>
    private const string RuntimeMeter = "System.Runtime";

    private const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>
    /// OpenTelemetry: request, connection, runtime and the gateway's own metrics (Sunra calls among them), scraped by Prometheus at
    /// <c>/metrics</c>. Traces are carried, not recorded: see <see cref="TraceContext"/>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            // Request rates and durations come from ASP.NET Core's hosting meter, connections from
            // Kestrel's; calls to Sunra are counted by the gateway's own meter, by operation and
            // status. HttpClient's, routing's and the rate limiter's meters would record several
            // more measurements on every request and tell nothing those do not.
            .WithMetrics(metrics => metrics
                .AddMeter(AspNetCoreHostingMeter, KestrelMeter)
                .AddMeter(GatewayMeter.Name)
                .AddMeter(RuntimeMeter)
                .AddPrometheusExporter());
        builder.Services.AddSingleton<TraceContext>();
        return builder;
    }

    /// <summary><c>/metrics</c>, in Prometheus' text format; like the health routes, it needs no key and is not in the OpenAPI document.</summary>
    public static WebApplication MapGatewayTelemetry(this WebApplication app)
    {
        // Made here, before the first request, so that every request has its trace context; the
        // container disposes it (and stops its listener) with the host.
        app.Services.GetRequiredService<TraceContext>();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

/// <summary>
/// The trace context of every request, without recording spans: no trace exporter is configured, so
/// recorded spans would only be built and dropped. Each request gets an activity of its own under the
/// caller's <c>traceparent</c> (or a new trace), whose trace and span ids are the <c>@tr</c> and
/// <c>@sp</c> of its log lines; HttpClient sends it on to Sunra as the W3C <c>traceparent</c>, with the
/// caller's sampled flag. The gateway samples nothing itself: a trace it starts goes out unsampled.
/// </summary>
internal sealed class TraceContext : IDisposable
{
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == AspNetCoreSource,
        // A sampled caller's flag survives only on an activity marked recorded; nothing is recorded either way.
        Sample = (ref options) => options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
            ? ActivitySamplingResult.AllDataAndRecorded
            : ActivitySamplingResult.PropagationData,
    };

    public TraceContext() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();
}
