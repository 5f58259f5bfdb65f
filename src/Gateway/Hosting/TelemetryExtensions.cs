using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gateway.Hosting;

public static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry: request, HTTP client and the gateway's own metrics, scraped by Prometheus at
    /// <c>/metrics</c>; traces of requests and their calls to Sunra, whose W3C <c>traceparent</c>
    /// HttpClient passes upstream, so a remix can be followed from <c>POST /remix</c> to Sunra.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(GatewayMetrics.MeterName)
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
