using System.Net.Sockets;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, without persistence: with
/// <c>--store redis</c> the gateway keeps its records there, as replicas behind a load balancer do.
/// </summary>
internal sealed class BenchRedis : IAsyncDisposable
{
    private readonly BenchProcess redis;

    private BenchRedis(BenchProcess redis, int port)
    {
        this.redis = redis;
        ConnectionString = $"127.0.0.1:{port}";
    }

    /// <summary>The gateway's <c>ConnectionStrings:Redis</c>.</summary>
    public string ConnectionString { get; }

    public BenchProcess Process => redis;

    public static async Task<BenchRedis> StartAsync(string work)
    {
        var port = FreePort.Next();
        var folder = Directory.CreateDirectory(Path.Combine(work, "redis")).FullName;
        var process = BenchProcess.Start(
            File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
            Path.Combine(folder, "redis.out"),
            new Dictionary<string, string>());
        try
        {
            await WaitForPongAsync(port, TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException($"redis-server did not answer PING on port {port} within 10 s; its output is in {Path.Combine(folder, "redis.out")}");
        }

        return new BenchRedis(process, port);
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();

    private static async Task WaitForPongAsync(int port, TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, deadline.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), deadline.Token);
                var answer = new byte[7];
                var read = await stream.ReadAsync(answer, deadline.Token);
                if (Encoding.ASCII.GetString(answer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            await Task.Delay(20, deadline.Token);
        }
    }
}
