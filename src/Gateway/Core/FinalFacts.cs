using Gateway.Core.Custody;
using Microsoft.Extensions.Caching.Memory;

namespace Gateway.Core;

/// <summary>
/// What never changes once known, kept in this replica so that reading it again costs the state store
/// nothing: a remix's final status (COMPLETED, CANCELED) and its result once settled (<see cref="KeptResults"/>). Bounded: the least recently
/// read go first when it is full, and are read from the store again when asked for.
/// </summary>
internal sealed class FinalFacts : IDisposable
{
    /// <summary>How many of each are kept, at most: some hundreds of bytes each.</summary>
    internal const int Capacity = 100_000;

    private static readonly TimeSpan Unread = TimeSpan.FromHours(1);

    private readonly MemoryCache _statuses = new(new MemoryCacheOptions { SizeLimit = Capacity });
    private readonly MemoryCache _results = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public RemixStatus? FinalStatusOf(string requestId) => _statuses.TryGetValue(requestId, out RemixStatus? status) ? status : null;

    public void Remember(RemixStatus status)
    {
        if (status.IsFinal)
        {
            _statuses.Set(status.RequestId, status, Entry());
        }
    }

    public KeptResult? ResultOf(string requestId) => _results.TryGetValue(requestId, out KeptResult? result) ? result : null;

    public void Remember(string requestId, KeptResult result) => _results.Set(requestId, result, Entry());

    /// <summary>Drops what is kept of a deleted remix.</summary>
    public void Forget(string requestId)
    {
        _statuses.Remove(requestId);
        _results.Remove(requestId);
    }

    public void Dispose()
    {
        _statuses.Dispose();
        _results.Dispose();
    }

    // Also dropped a day after it was kept, however often read: a replica that missed a delete's or a
    // retention's message (away from the store at that moment) does not answer for it for ever.
    private static MemoryCacheEntryOptions Entry() => new() { Size = 1, SlidingExpiration = Unread, AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) };
}
