using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Context;
using Serilog.Formatting.Compact;

namespace Gateway.Hosting;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> section; enrichers and sinks registered as services join in.
    /// The logger belongs to this host, not to the static <c>Log.Logger</c>, so that two hosts in one
    /// process (the test host runs many) never write into each other's sinks.
    /// </summary>
    /// <remarks>
    /// The console gets compact JSON, one event per line with its trace and span ids (<c>@tr</c>,
    /// <c>@sp</c>), for a log collector; in Development, readable text.
    /// </remarks>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        var readable = builder.Environment.IsDevelopment();
        builder.Services.AddSingleton<Serilog.Core.ILogEventEnricher, SecretPathEnricher>();
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                logger
                    .ReadFrom.Configuration(builder.Configuration)
                    .ReadFrom.Services(services)
                    .Enrich.FromLogContext();
                if (!services.GetRequiredService<IOptions<HostingOptions>>().Value.LogToStandardOutput)
                {
                    return;
                }

                // The console is written by one background thread: a request hands its line over and
                // goes on, instead of queueing for the console's lock (and its write) with every other
                // request. When the buffer is full, requests wait rather than lose lines.
                if (readable)
                {
                    logger.WriteTo.Async(
                        console => console.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}"),
                        blockWhenFull: true);
                }
                else
                {
                    var output = StandardOutputSink.Create(new RenderedCompactJsonFormatter());
                    logger.WriteTo.Async(console => console.Sink(output), blockWhenFull: true, monitor: output);
                }
            },
            preserveStaticLogger: true);

        // Serilog's factory makes a new logger (and its caches) on every CreateLogger, and the
        // authentication handler, made for each request, asks for one each time.
        var serilog = builder.Services.Last(service => service.ServiceType == typeof(ILoggerFactory));
        builder.Services.Remove(serilog);
        builder.Services.AddSingleton<ILoggerFactory>(services => new CachingLoggerFactory(Create(serilog, services)));
        return builder;
    }

    private static ILoggerFactory Create(ServiceDescriptor factory, IServiceProvider services) =>
        (ILoggerFactory)(factory.ImplementationInstance
            ?? factory.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, factory.ImplementationType!));

    /// <summary>One line per request: method, path, status, elapsed time, the caller's name, the gateway's request id and Sunra's.</summary>
    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        // Every line logged while a request runs carries its id, not only the request's own line.
        app.Use(async (http, next) =>
        {
            using (LogContext.PushProperty("GatewayRequestId", http.TraceIdentifier))
            {
                await next(http);
            }
        });
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("GatewayRequestId", http.TraceIdentifier);
                diagnostics.Set("Caller", http.User.Identity?.Name);
                diagnostics.Set("ClientIp", http.Connection.RemoteIpAddress?.ToString());
            };
        });
        return app;
    }
}
