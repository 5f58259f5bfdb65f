using Serilog;

namespace Gateway.Hosting;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> section; enrichers and sinks registered as services join in.
    /// The logger belongs to this host, not to the static <c>Log.Logger</c>, so that two hosts in one
    /// process (the test host runs many) never write into each other's sinks.
    /// </summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext(),
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>One line per request: method, path, status, elapsed time, the caller's name, the gateway's request id and Sunra's.</summary>
    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("GatewayRequestId", http.TraceIdentifier);
                diagnostics.Set("Caller", http.User.Identity?.Name);
            };
        });
        return app;
    }
}
