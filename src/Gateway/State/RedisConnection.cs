using StackExchange.Redis;

namespace Gateway.State;

/// <summary>
/// The connection to Redis, opened asynchronously while the host starts, before any request is
/// served. Opening it on first use instead would block a request thread (and every request queued
/// behind the singleton) on the handshake: on a small machine, enough to starve the thread pool.
/// While Redis is away it starts unconnected and heals in the background.
/// </summary>
internal sealed class RedisConnection(ConfigurationOptions configuration) : IHostedService, IAsyncDisposable
{
    private ConnectionMultiplexer? _multiplexer;

    public IConnectionMultiplexer Multiplexer =>
        _multiplexer ?? throw new InvalidOperationException("The Redis connection is opened when the host starts.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }
    }
}
