namespace Gateway.Callers;

/// <summary>
/// The internal services that may use the gateway: <c>Gateway:Clients:{name}:KeySha256</c> and their
/// limits, with defaults under <c>Gateway:Defaults</c>.
/// </summary>
public sealed class CallersOptions
{
    /// <summary>Callers by name; the name is the caller's identity in logs and metrics.</summary>
    public Dictionary<string, CallerOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limits for callers that do not set their own.</summary>
    public CallerLimits Defaults { get; set; } = new();
}
