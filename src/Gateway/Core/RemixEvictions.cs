using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// Tells every replica that a remix was deleted, so that each drops what it kept of it in memory (its
/// owner, final status and result), through the state store's channel as <see cref="StatusChanges"/>
/// does. Each replica listens from its start, and again after the store was away at its start.
/// </summary>
/// <remarks>
/// A message is a hint, and one can be lost while a replica is away from the store: that replica may
/// then answer the deleted remix's owner from memory until the entry is dropped (an hour unread).
/// </remarks>
internal sealed partial class RemixEvictions(
    IStateStore store, RemixOwners owners, FinalFacts finals, TimeProvider clock, ILogger<RemixEvictions> logger) : BackgroundService
{
    private const string Channel = "remix-deleted";

    /// <summary>Drops the remix from this replica's memory, then tells the others.</summary>
    public async Task AnnounceAsync(string requestId)
    {
        Evict(requestId);
        try
        {
            await store.PublishAsync(Channel, requestId);
        }
        catch (StateStoreUnavailableException)
        {
            LogNotAnnounced(requestId);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        store.ListenWhenReachableAsync(Channel, Evict, clock, stoppingToken);

    private void Evict(string requestId)
    {
        owners.Forget(requestId);
        finals.Forget(requestId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the other replicas that remix {RequestId} was deleted: the store is away; they may answer its owner from memory for up to an hour")]
    private partial void LogNotAnnounced(string requestId);
}
