using Microsoft.Extensions.Caching.Memory;

namespace Gateway.State;

/// <summary>
/// Which caller submitted which remix: a remix is visible to its owner only. An owner never changes, so
/// each replica keeps the owners it has read (at most <see cref="Capacity"/>, the least recently read
/// go first): the ownership check of a remix read before costs the store nothing.
/// </summary>
public sealed class RemixOwners(IStateStore store) : IDisposable
{
    /// <summary>Long enough for any Sora job to finish and its result to be fetched.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    internal const int Capacity = 100_000;

    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <param name="requestId">The remix.</param>
    /// <param name="caller">Who bought it.</param>
    /// <param name="retention">How long it is kept: <see cref="Retention"/> unless the remix's record is kept longer.</param>
    public async Task RecordAsync(string requestId, string caller, TimeSpan? retention = null)
    {
        await store.SetAsync(Key(requestId), caller, retention ?? Retention);
        Remember(requestId, caller);
    }

    /// <summary>True when this replica knows the remix's owner without asking the store.</summary>
    public bool IsKnown(string requestId) => _known.TryGetValue(requestId, out _);

    /// <summary>Forgets the owner (a deleted remix): in the store and in this replica.</summary>
    public async Task ForgetAsync(string requestId)
    {
        await store.RemoveAsync(Key(requestId));
        Forget(requestId);
    }

    /// <summary>Drops the owner from this replica's memory only (another replica deleted the remix).</summary>
    public void Forget(string requestId) => _known.Remove(requestId);

    /// <summary>The caller that submitted the remix, or null when the gateway does not know it.</summary>
    public async Task<string?> OwnerOfAsync(string requestId)
    {
        if (_known.TryGetValue(requestId, out string? known))
        {
            return known;
        }

        // An unknown remix is not remembered: its owner record may still be on its way to the store.
        var owner = await store.GetAsync(Key(requestId));
        if (owner is not null)
        {
            Remember(requestId, owner);
        }

        return owner;
    }

    public void Dispose() => _known.Dispose();

    private void Remember(string requestId, string owner) =>
        _known.Set(requestId, owner, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });

    private static string Key(string requestId) => "owner:" + requestId;
}
