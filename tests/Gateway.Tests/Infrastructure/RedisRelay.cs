using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay between one gateway and a real Redis: the network path of one replica, which
/// a test can stall. <see cref="HoldAt"/> holds back the first command that names a key containing a
/// marker (and whatever that connection sends after it) until the test releases it, as a slow link
/// to Redis would: Redis itself runs every command it receives, in order, for every other client.
/// </summary>
public sealed class RedisRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _redis;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private Hold? _hold;

    private RedisRelay(IPEndPoint redis)
    {
        _redis = redis;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The StackExchange.Redis connection string that goes through the relay.</summary>
    public string ConnectionString => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <param name="redis">Where Redis is, as <c>127.0.0.1:{port}</c>.</param>
    public static RedisRelay To(string redis) => new(IPEndPoint.Parse(redis));

    /// <summary>Holds the next command that contains <paramref name="marker"/>, until <see cref="Hold.Release"/>.</summary>
    public Hold HoldAt(string marker)
    {
        var hold = new Hold(marker);
        Volatile.Write(ref _hold, hold);
        return hold;
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Read(ref _hold)?.Release();
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var gateway = await _listener.AcceptTcpClientAsync(_stop.Token);
                var redis = new TcpClient();
                await redis.ConnectAsync(_redis, _stop.Token);
                lock (_connections)
                {
                    _connections.Add(gateway);
                    _connections.Add(redis);
                }

                _ = PumpAsync(gateway.GetStream(), redis.GetStream(), fromGateway: true);
                _ = PumpAsync(redis.GetStream(), gateway.GetStream(), fromGateway: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The relay is closing.
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool fromGateway)
    {
        var buffer = new byte[16 * 1024];
        var seen = "";
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                // Redis runs a command only once it has all of it, so holding the read that completes
                // the marker holds that command, and everything after it, on this connection alone.
                if (fromGateway && Volatile.Read(ref _hold) is { } hold && !hold.Reached.IsCompleted)
                {
                    seen += Encoding.Latin1.GetString(buffer, 0, read);
                    if (seen.Contains(hold.Marker, StringComparison.Ordinal) && hold.TryReach())
                    {
                        await hold.Released.WaitAsync(_stop.Token);
                    }

                    seen = seen[Math.Max(0, seen.Length - hold.Marker.Length)..];
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // A side closed, or the relay is closing.
        }
    }

    /// <summary>A command held back: <see cref="Reached"/> completes when it arrives, and it goes on after <see cref="Release"/>.</summary>
    public sealed class Hold(string marker)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Marker { get; } = marker;

        /// <summary>Completes when the command has arrived and is being held.</summary>
        public Task Reached => _reached.Task;

        internal Task Released => _released.Task;

        public void Release() => _released.TrySetResult();

        internal bool TryReach() => _reached.TrySetResult();
    }
}
