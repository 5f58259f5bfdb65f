namespace Gateway.Callers;

/// <summary>
/// The internal services that may use the gateway (section <c>Gateway</c>):
/// <c>Gateway:Clients:{name}:KeySha256</c> and their limits, with defaults under <c>Gateway:Defaults</c>.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Callers by name; the name is the caller's identity in logs and metrics.</summary>
    public Dictionary<string, CallerOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limits for callers that do not set their own.</summary>
    public CallerLimits Defaults { get; set; } = new();

    /// <summary>Browser origins allowed to call the gateway; none by default (internal services are not browsers).</summary>
    public string[] CorsAllowedOrigins { get; set; } = [];

    /// <summary>How long an event stream stays silent before a heartbeat comment keeps it (and the proxies on its way) alive.</summary>
    public double EventsHeartbeatSeconds { get; set; } = 15;

    internal TimeSpan EventsHeartbeat => TimeSpan.FromSeconds(EventsHeartbeatSeconds);

    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>The load balancers whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    /// <summary>
    /// Whether the log goes to standard output (it does unless set false); sinks configured under
    /// <c>Serilog:WriteTo</c> get it either way. Read once, when the host is built.
    /// </summary>
    public bool LogToStandardOutput { get; set; } = true;
}

/// <summary>One internal service.</summary>
public sealed class CallerOptions
{
    /// <summary>SHA-256 of the caller's key, lowercase hex: the key itself is never configured.</summary>
    public string? KeySha256 { get; set; }

    public int? SubmitsPerMinute { get; set; }

    public int? ReadsPerMinute { get; set; }

    public int? DailySubmitQuota { get; set; }

    public int? ConcurrentStreams { get; set; }

    /// <summary>The secret that signs this caller's webhooks (HMAC-SHA256); without it the caller cannot ask for webhooks.</summary>
    public string? WebhookSecret { get; set; }
}

/// <summary>Trusted proxies (section <c>Gateway:ForwardedHeaders</c>); with none, forwarded headers are ignored.</summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>10.87.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>Where webhooks may go (section <c>Gateway:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The only hosts a <c>webhook_url</c> may name (exact names or IP addresses): nothing else is ever called.</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>The wait before the second attempt at a webhook; it doubles with each attempt, up to ten minutes.</summary>
    public double FirstRetrySeconds { get; set; } = 5;
}

/// <summary>How much one caller may do.</summary>
public sealed class CallerLimits
{
    /// <summary>Remixes submitted per minute.</summary>
    public int SubmitsPerMinute { get; set; } = 10;

    /// <summary>Status, result, events and cancel calls per minute (polling is cheap and frequent).</summary>
    public int ReadsPerMinute { get; set; } = 600;

    /// <summary>Remixes submitted per day: the cost guard.</summary>
    public int DailySubmitQuota { get; set; } = 200;

    /// <summary>Event streams open at once: each keeps a connection and polls Sunra while it lives.</summary>
    public int ConcurrentStreams { get; set; } = 10;
}
