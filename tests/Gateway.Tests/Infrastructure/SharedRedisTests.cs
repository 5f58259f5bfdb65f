using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// What the tests that use the shared redis-server see when it dies under them. The server here is
/// one of this test's own, so the run's shared server is left alone.
/// </summary>
[FullTier("a redis-server of its own")]
public sealed class SharedRedisTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_that_dies_fails_each_test_that_uses_it_saying_so_with_its_output()
    {
        var redis = new SharedRedis();
        await ShutDownAsync(redis.ConnectionString);

        var later = await UntilRefusedAsync(redis);
        var meanwhile = Assert.Throws<InvalidOperationException>(() => SharedRedis.CheckAfter(TestContext.Current.Test!));
        var atTheEnd = await Assert.ThrowsAsync<InvalidOperationException>(() => redis.DisposeAsync().AsTask());

        foreach (var failure in new[] { later, meanwhile, atTheEnd })
        {
            Assert.StartsWith("The shared redis-server exited while the tests were using it", failure.Message, StringComparison.Ordinal);
            Assert.Contains("exited with code 0.", failure.Message, StringComparison.Ordinal);

            // What redis-server itself wrote, from its start to its last words.
            Assert.Contains("Ready to accept connections", failure.Message, StringComparison.Ordinal);
            Assert.Contains("User requested shutdown", failure.Message, StringComparison.Ordinal);
        }
    }

    // SHUTDOWN, as an operator or an OOM handler might end it: the server goes on its own, without the
    // test fixture's knowledge. It answers nothing and closes the connection as it exits.
    private static async Task ShutDownAsync(string connectionString)
    {
        var port = int.Parse(connectionString.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, Cancellation);
        var stream = client.GetStream();
        await stream.WriteAsync("SHUTDOWN NOSAVE\r\n"u8.ToArray(), Cancellation);
        Assert.Equal(0, await stream.ReadAsync(new byte[64], Cancellation));
    }

    // The process is gone a moment after it closes its connections.
    private static async Task<InvalidOperationException> UntilRefusedAsync(SharedRedis redis)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                _ = redis.GatewaySettings();
            }
            catch (InvalidOperationException refused)
            {
                return refused;
            }

            Assert.True(DateTime.UtcNow < deadline, "The shared redis-server was still in use 10 s after it shut down.");
            await Task.Delay(50, Cancellation);
        }
    }
}
