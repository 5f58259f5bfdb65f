using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gateway.Hosting;

public static class TelemetryExtensions
{
    /// <summary>The runtime's own meter: GC, allocations, memory, thread pool and exceptions.</summary>
    private const string RuntimeMeter = "System.Runtime";

    private const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>
    /// OpenTelemetry: request, connection, runtime and the gateway's own metrics (Sunra calls among them), scraped by Prometheus at
    /// <c>/metrics</c>; traces of requests and their calls to Sunra, whose W3C <c>traceparent</c>
    /// HttpClient passes upstream, so a remix can be followed from <c>POST /remix</c> to Sunra.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddOpenTelemetry()
            // Request rates and durations come from ASP.NET Core's hosting meter, connections from
            // Kestrel's; calls to Sunra are counted by the gateway's own meter, by operation and
            // status. HttpClient's, routing's and the rate limiter's meters would record several
            // more measurements on every request and tell nothing those do not.
            .WithMetrics(metrics => metrics
                .AddMeter(AspNetCoreHostingMeter, KestrelMeter)
                .AddMeter(GatewayMetrics.MeterName)
                .AddMeter(RuntimeMeter)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation());
        return builder;
    }

    /// <summary><c>/metrics</c>, in Prometheus' text format; like the health routes, it needs no key and is not in the OpenAPI document.</summary>
    public static WebApplication MapGatewayTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
