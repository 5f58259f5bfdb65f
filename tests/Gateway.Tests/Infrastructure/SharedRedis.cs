using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Sdk;
using Xunit.v3;

[assembly: AssemblyFixture(typeof(Gateway.Tests.Infrastructure.SharedRedis))]
[assembly: Gateway.Tests.Infrastructure.SharedRedis.CheckedAfterEachTest]

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One real redis-server for the whole test run. Each gateway and store built on it gets a key prefix
/// of its own, so tests running side by side never see each other's state.
/// </summary>
/// <remarks>
/// <para>
/// The server starts when a test first asks for it, once however many ask at the same time: a run of
/// tests that need no Redis (the fast tier) starts none.
/// </para>
/// <para>
/// If the server dies, no test that uses it may pass as if nothing had happened, nor fail with no more
/// than a 503 to go on: a test that asks for it afterwards fails, a test that had asked for it fails
/// when it ends, and the run fails when the fixture is disposed, each saying that the shared
/// redis-server exited, with its exit code and everything it wrote.
/// </para>
/// </remarks>
public sealed class SharedRedis : IAsyncDisposable
{
    // Which shared server each running test asked for, by the test's id, for the check when it ends.
    private static readonly ConcurrentDictionary<string, SharedRedis> Users = new();

    private readonly Lazy<RedisServer> _server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <exception cref="InvalidOperationException">The server could not start, or has died.</exception>
    public string ConnectionString => Server.ConnectionString;

    private RedisServer Server
    {
        get
        {
            if (TestContext.Current.Test is { } test)
            {
                Users[test.UniqueID] = this;
            }

            var server = _server.Value;
            ThrowIfDead(server);
            return server;
        }
    }

    /// <summary>The settings that put a gateway's state in this Redis, under a fresh key prefix.</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["ConnectionStrings:Redis"] = ConnectionString,
        ["State:KeyPrefix"] = NewPrefix(),
    };

    public static string NewPrefix() => $"test-{Guid.NewGuid():N}:";

    /// <summary>Fails <paramref name="test"/>, which has just run, if it asked for a shared server that has died since.</summary>
    /// <exception cref="InvalidOperationException">The server the test used has died.</exception>
    public static void CheckAfter(ITest test)
    {
        if (Users.TryRemove(test.UniqueID, out var redis) && redis._server.IsValueCreated)
        {
            ThrowIfDead(redis._server.Value);
        }
    }

    /// <exception cref="InvalidOperationException">The server had died: a death after the last test that used it fails the run too.</exception>
    public async ValueTask DisposeAsync()
    {
        if (!_server.IsValueCreated)
        {
            return;
        }

        var server = _server.Value;
        var death = server.Death;
        await server.DisposeAsync();
        if (death is not null)
        {
            throw Died(death);
        }
    }

    // Test classes ask in their constructors, which cannot await. The start runs on the thread pool, so
    // that waiting for it cannot deadlock on the test's synchronization context; it is not tied to the
    // first asker's cancellation, as every later test shares the outcome (RedisServer has its own timeout).
    private static RedisServer Start() =>
        Task.Run(() => RedisServer.StartNewAsync(CancellationToken.None)).GetAwaiter().GetResult();

    private static void ThrowIfDead(RedisServer server)
    {
        if (server.Death is { } death)
        {
            throw Died(death);
        }
    }

    private static InvalidOperationException Died(string death) =>
        new($"The shared redis-server exited while the tests were using it; every test that uses it fails from then on. {death}");

    /// <summary>Runs <see cref="CheckAfter"/> after every test of the assembly.</summary>
    [AttributeUsage(AttributeTargets.Assembly)]
    public sealed class CheckedAfterEachTestAttribute : BeforeAfterTestAttribute
    {
        public override void After(MethodInfo methodUnderTest, IXunitTest test) => CheckAfter(test);
    }
}
