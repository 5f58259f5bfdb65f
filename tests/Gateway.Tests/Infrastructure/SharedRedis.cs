[assembly: AssemblyFixture(typeof(Gateway.Tests.Infrastructure.SharedRedis))]

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One real redis-server for the whole test run. Each gateway and store built on it gets a key prefix
/// of its own, so tests running side by side never see each other's state.
/// </summary>
public sealed class SharedRedis : IAsyncLifetime
{
    private RedisServer? _server;

    public string ConnectionString => _server!.ConnectionString;

    /// <summary>The settings that put a gateway's state in this Redis, under a fresh key prefix.</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["ConnectionStrings:Redis"] = ConnectionString,
        ["State:KeyPrefix"] = NewPrefix(),
    };

    public static string NewPrefix() => $"test-{Guid.NewGuid():N}:";

    public async ValueTask InitializeAsync() => _server = await RedisServer.StartNewAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
