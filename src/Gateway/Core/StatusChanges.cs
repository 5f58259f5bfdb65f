using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// News that a remix's status changed, for the streams that follow it (<see cref="StatusWatches"/>) and
/// the webhooks waiting for it: this replica hears it at once, with the status; every other replica
/// through the state store's channel, to which each listens from its start, as a hint to read the kept
/// status again. A hint is never a fact: it names a remix and nothing more, and one can be lost while a
/// replica is away from the store (its streams then find the change at their next read).
/// </summary>
internal sealed class StatusChanges(IStateStore store, TimeProvider clock) : BackgroundService
{
    private const string Channel = "remix-status-changed";

    private const char Separator = ' ';

    // Each replica hears its own messages back through the channel, after it has told its own streams.
    private readonly string _replica = Guid.NewGuid().ToString("N");

    private volatile bool _listening;

    /// <summary>A remix's status changed: with the new status when it changed on this replica, without it when on another.</summary>
    public event Action<string, RemixStatus?>? Changed;

    /// <summary>True once the other replicas' news reaches this one.</summary>
    public bool Listening => _listening;

    /// <summary>Tells this replica's streams, and every other replica, that the remix's status is now <paramref name="status"/>.</summary>
    public async Task AnnounceAsync(RemixStatus status)
    {
        Changed?.Invoke(status.RequestId, status);
        try
        {
            await store.PublishAsync(Channel, _replica + Separator + status.RequestId);
        }
        catch (StateStoreUnavailableException)
        {
            // The other replicas' streams find the change at their next read of the kept status.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken) =>
        _listening = await store.ListenWhenReachableAsync(Channel, Heard, clock, stoppingToken);

    private void Heard(string message)
    {
        var separator = message.IndexOf(Separator, StringComparison.Ordinal);
        if (separator > 0 && !message.AsSpan(0, separator).SequenceEqual(_replica))
        {
            Changed?.Invoke(message[(separator + 1)..], null);
        }
    }
}
