namespace Gateway.State;

/// <summary>Listening on a channel of the state store from a replica's start, however long the store takes to come.</summary>
public static class StoreChannels
{
    private static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Subscribes <paramref name="onMessage"/> to the channel, trying again every few seconds while the
    /// store cannot be reached: true once listening (the store resumes it by itself after an outage),
    /// false when the replica stopped first.
    /// </summary>
    public static async Task<bool> ListenWhenReachableAsync(this IStateStore store, string channel, Action<string> onMessage, TimeProvider clock, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await store.SubscribeAsync(channel, onMessage);
                return true;
            }
            catch (StateStoreUnavailableException)
            {
                await Task.Delay(RetryWait, clock, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return false;
    }
}
