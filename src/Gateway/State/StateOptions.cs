namespace Gateway.State;

/// <summary>
/// Where the shared state lives (section <c>State</c>); Redis itself is <c>ConnectionStrings:Redis</c>,
/// and without it the state is kept in memory, for a single replica.
/// </summary>
public sealed class StateOptions
{
    public const string Section = "State";

    /// <summary>The name of the Redis connection string, under <c>ConnectionStrings</c>.</summary>
    public const string RedisConnectionName = "Redis";

    /// <summary>Put before every Redis key, so that one Redis can serve several gateways.</summary>
    public string KeyPrefix { get; set; } = "sora-remix-gateway:";
}
