using Gateway.State;

namespace Gateway.Core;

/// <summary>
/// News that a remix's status changed, for the streams that follow it (<see cref="StatusWatches"/>):
/// this replica hears it at once, with the status; every other replica through the state store's
/// channel, as a hint to read the kept status again. A hint is never a fact: it names a remix and
/// nothing more, and one can be lost while a replica is away from the store (its streams then find the
/// change at their next read).
/// </summary>
internal sealed class StatusChanges(IStateStore store) : IDisposable
{
    private const string Channel = "remix-status-changed";

    private const char Separator = ' ';

    // Each replica hears its own messages back through the channel, after it has told its own streams.
    private readonly string _replica = Guid.NewGuid().ToString("N");

    private readonly SemaphoreSlim _subscribing = new(1, 1);

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

    /// <summary>Listens to the other replicas' news from now on (once per replica); false while the store cannot be reached.</summary>
    public async Task<bool> ListenAsync()
    {
        if (_listening)
        {
            return true;
        }

        await _subscribing.WaitAsync();
        try
        {
            if (!_listening)
            {
                await store.SubscribeAsync(Channel, Heard);
                _listening = true;
            }
        }
        catch (StateStoreUnavailableException)
        {
            // Tried again when the next remix is watched; meanwhile streams read the kept status every interval.
        }
        finally
        {
            _subscribing.Release();
        }

        return _listening;
    }

    public void Dispose() => _subscribing.Dispose();

    private void Heard(string message)
    {
        var separator = message.IndexOf(Separator, StringComparison.Ordinal);
        if (separator > 0 && !message.AsSpan(0, separator).SequenceEqual(_replica))
        {
            Changed?.Invoke(message[(separator + 1)..], null);
        }
    }
}
