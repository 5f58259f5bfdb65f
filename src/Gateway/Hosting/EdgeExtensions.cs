using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Gateway.Callers;
using Microsoft.Net.Http.Headers;

namespace Gateway.Hosting;

/// <summary>What every request and answer gets at the edge: body size, banner, sniffing, charset quoting, CORS.</summary>
public static class EdgeExtensions
{
    /// <summary>
    /// The largest valid remix is a 5000-code-point prompt written entirely as <c>\uXXXX\uXXXX</c>
    /// escapes (about 60 KB) with a long video_id; twice that is plenty, megabytes are refused (413).
    /// </summary>
    public const long MaxRequestBodyBytes = 128 * 1024;

    private const string CorsPolicy = "allow-list";

    public static WebApplicationBuilder AddGatewayEdges(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        var origins = builder.Configuration.GetSection($"{GatewayOptions.Section}:{nameof(GatewayOptions.CorsAllowedOrigins)}").Get<string[]>() ?? [];
        if (origins.Length > 0)
        {
            builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
                .WithOrigins(origins)
                .WithMethods("GET", "POST")
                .WithHeaders("Content-Type", "Authorization", CallerKeyAuthentication.Header)));
        }

        // X-Forwarded-For and -Proto are believed only from the proxies the operators name: from
        // anyone else they are ignored, so a caller cannot pass itself off as another address.
        var forwarded = ForwardedHeadersOf(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the loopback default, and is still consulted.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in forwarded.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    options.KnownProxies.Add(address);
                }
            }

            foreach (var network in forwarded.KnownNetworks)
            {
                if (System.Net.IPNetwork.TryParse(network, out var parsed))
                {
                    options.KnownIPNetworks.Add(parsed);
                }
            }
        });

        return builder;
    }

    /// <summary>
    /// First in the pipeline, so that logs, limits and links see the caller's own address and scheme.
    /// Only when proxies are named: with empty lists, the middleware would believe anyone.
    /// </summary>
    public static WebApplication UseGatewayForwardedHeaders(this WebApplication app)
    {
        var forwarded = ForwardedHeadersOf(app.Configuration);
        if (forwarded.KnownProxies.Length > 0 || forwarded.KnownNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    // Read raw, as the pipeline is built before the options are validated (a bad entry stops the start then).
    private static ForwardedHeadersSettings ForwardedHeadersOf(IConfiguration configuration) =>
        configuration.GetSection($"{GatewayOptions.Section}:{nameof(GatewayOptions.ForwardedHeaders)}").Get<ForwardedHeadersSettings>() ?? new();

    public static WebApplication UseGatewayEdges(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            UnquoteCharset(context.Request);
            return next(context);
        });

        // No CORS unless origins are listed: internal services are not browsers.
        if (app.Services.GetService<Microsoft.AspNetCore.Cors.Infrastructure.ICorsService>() is not null)
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
