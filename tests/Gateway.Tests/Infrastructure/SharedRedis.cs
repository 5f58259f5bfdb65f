[assembly: AssemblyFixture(typeof(Gateway.Tests.Infrastructure.SharedRedis))]

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One real redis-server for the whole test run. Each gateway and store built on it gets a key prefix
/// of its own, so tests running side by side never see each other's state.
/// </summary>
/// <remarks>
/// The server starts when a test first asks for it, once however many ask at the same time: a run of
/// tests that need no Redis (the fast tier) starts none.
/// </remarks>
public sealed class SharedRedis : IAsyncDisposable
{
    private readonly Lazy<RedisServer> _server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public string ConnectionString => _server.Value.ConnectionString;

    /// <summary>The settings that put a gateway's state in this Redis, under a fresh key prefix.</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["ConnectionStrings:Redis"] = ConnectionString,
        ["State:KeyPrefix"] = NewPrefix(),
    };

    public static string NewPrefix() => $"test-{Guid.NewGuid():N}:";

    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated)
        {
            await _server.Value.DisposeAsync();
        }
    }

    // Test classes ask in their constructors, which cannot await. The start runs on the thread pool, so
    // that waiting for it cannot deadlock on the test's synchronization context; it is not tied to the
    // first asker's cancellation, as every later test shares the outcome (RedisServer has its own timeout).
    private static RedisServer Start() =>
        Task.Run(() => RedisServer.StartNewAsync(CancellationToken.None)).GetAwaiter().GetResult();
}
