using Microsoft.Extensions.Caching.Memory;

namespace Gateway.State;

/// <summary>Which caller submitted which remix: the gateway's state store for ownership.</summary>
public interface IRemixOwners
{
    ValueTask RecordAsync(string requestId, string caller, CancellationToken cancellationToken);

    /// <summary>The caller that submitted the remix, or null when the gateway does not know it.</summary>
    ValueTask<string?> OwnerOfAsync(string requestId, CancellationToken cancellationToken);
}

/// <summary>Ownership kept in this process: right for a single replica; records expire after <see cref="Retention"/>.</summary>
public sealed class InMemoryRemixOwners(TimeProvider clock) : IRemixOwners, IDisposable
{
    /// <summary>Long enough for any Sora job to finish and its result to be fetched.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly MemoryCache _records = new(new MemoryCacheOptions { Clock = new CacheClock(clock) });

    public ValueTask RecordAsync(string requestId, string caller, CancellationToken cancellationToken)
    {
        _records.Set(requestId, caller, Retention);
        return ValueTask.CompletedTask;
    }

    public ValueTask<string?> OwnerOfAsync(string requestId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_records.TryGetValue(requestId, out string? caller) ? caller : null);

    public void Dispose() => _records.Dispose();

#pragma warning disable CS0618 // MemoryCacheOptions.Clock takes ISystemClock; TimeProvider is adapted to it.
    private sealed class CacheClock(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
