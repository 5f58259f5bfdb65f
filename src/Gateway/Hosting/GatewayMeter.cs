namespace Gateway.Hosting;

/// <summary>
/// The gateway's own meter, beside ASP.NET Core's request rates and durations. Each folder makes its
/// counters on it (what was bought, what Sunra was asked, what the status cache saved, what webhooks
/// did); tags are callers' names, operations and outcomes: never a key, a URL or a request id.
/// </summary>
public static class GatewayMeter
{
    public const string Name = "Gateway";
}
