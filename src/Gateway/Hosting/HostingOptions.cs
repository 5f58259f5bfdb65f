namespace Gateway.Hosting;

/// <summary>The settings of the gateway's edge and log, under <c>Gateway</c>.</summary>
public sealed class HostingOptions
{
    /// <summary>Browser origins allowed to call the gateway; none by default (internal services are not browsers).</summary>
    public string[] CorsAllowedOrigins { get; set; } = [];

    /// <summary>The load balancers whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    /// <summary>Whether the log goes to standard output (it does unless set false); sinks configured under <c>Serilog:WriteTo</c> get it either way.</summary>
    public bool LogToStandardOutput { get; set; } = true;
}

/// <summary>Trusted proxies (section <c>Gateway:ForwardedHeaders</c>); with none, forwarded headers are ignored.</summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>10.87.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    internal bool Any => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
}
