using Serilog;

namespace Gateway.Hosting;

public static class LoggingExtensions
{
    /// <summary>Serilog from the <c>Serilog</c> section; enrichers and sinks registered as services join in.</summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    /// <summary>One line per request: method, path, status, elapsed time, the gateway's request id and Sunra's.</summary>
    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, http) => diagnostics.Set("GatewayRequestId", http.TraceIdentifier);
        });
        return app;
    }
}
