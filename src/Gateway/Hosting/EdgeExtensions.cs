using System.Net;
using Gateway.Problems;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Hosting;

/// <summary>What every request and answer gets at the edge: body size, banner, sniffing, charset quoting, forwarded headers, CORS.</summary>
public static class EdgeExtensions
{
    private const string CorsPolicy = "allow-list";

    public static WebApplicationBuilder AddGatewayEdges(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ProblemCatalog.MaxRequestBodyBytes;
        });

        var services = builder.Services;
        services.AddGatewayOptions<HostingOptions>();
        services.AddSingleton<IValidateOptions<HostingOptions>, HostingOptionsValidator>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HostingOptions>, IOptions<CorsRequestHeaders>>((cors, hosting, headers) =>
            cors.AddPolicy(CorsPolicy, policy => policy.WithOrigins(hosting.Value.CorsAllowedOrigins).WithMethods("GET", "POST").WithHeaders([.. headers.Value.Names])));

        // X-Forwarded-For and -Proto are believed only from the proxies the operators name: from
        // anyone else they are ignored, so a caller cannot pass itself off as another address.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HostingOptions>>((options, hosting) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the loopback default, and is still consulted.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in hosting.Value.ForwardedHeaders.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in hosting.Value.ForwardedHeaders.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        return builder;
    }

    /// <summary>A header a browser may send cross-origin, for the folder that names it.</summary>
    public static IServiceCollection AllowCorsHeader(this IServiceCollection services, string header) =>
        services.Configure<CorsRequestHeaders>(headers => headers.Names.Add(header));

    /// <summary>
    /// First in the pipeline, so that logs, limits and links see the caller's own address and scheme.
    /// Only when proxies are named: with empty lists, the middleware would believe anyone.
    /// </summary>
    public static WebApplication UseGatewayForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<HostingOptions>>().Value.ForwardedHeaders.Any)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    public static WebApplication UseGatewayEdges(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            UnquoteCharset(context.Request);
            return next(context);
        });

        // No CORS unless origins are listed: internal services are not browsers.
        if (app.Services.GetRequiredService<IOptions<HostingOptions>>().Value.CorsAllowedOrigins.Length > 0)
        {
            app.UseCors(CorsPolicy);
        }

        return app;
    }

    // RFC 9110 allows charset="utf-8"; the JSON reader knows a charset only unquoted.
    private static void UnquoteCharset(HttpRequest request)
    {
        if (request.ContentType?.Contains('"', StringComparison.Ordinal) is true
            && MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.Charset is { HasValue: true } charset
            && HeaderUtilities.RemoveQuotes(charset) is var unquoted
            && unquoted.Length != charset.Length)
        {
            type.Charset = unquoted;
            request.ContentType = type.ToString();
        }
    }
}
