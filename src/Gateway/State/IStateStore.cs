namespace Gateway.State;

/// <summary>
/// The gateway's shared state, as the few primitives its features need, every value with a time to
/// live. <see cref="InMemoryStateStore"/> serves a single replica; <see cref="RedisStateStore"/>
/// lets several replicas act as one. Both pass the same contract tests.
/// </summary>
/// <remarks>
/// Every member throws <see cref="StateStoreUnavailableException"/> when the store cannot be reached,
/// which the gateway answers with a 503 (<see cref="StateStoreUnavailableHandler"/>).
/// </remarks>
public interface IStateStore
{
    /// <summary>The value, or null when there is none (or it expired).</summary>
    Task<string?> GetAsync(string key);

    Task SetAsync(string key, string value, TimeSpan timeToLive);

    /// <summary>Stores the value only if the key holds none: true when this call stored it.</summary>
    Task<bool> AddAsync(string key, string value, TimeSpan timeToLive);

    /// <summary>
    /// Replaces the value, or removes it when <paramref name="replacement"/> is null, only while it is
    /// still <paramref name="expected"/>: true when this call changed it.
    /// </summary>
    Task<bool> ReplaceAsync(string key, string expected, string? replacement, TimeSpan timeToLive);

    /// <summary>Removes the value, if there is one.</summary>
    Task RemoveAsync(string key);

    /// <summary>Adds to a counter that starts at zero and lives <paramref name="timeToLive"/> from its first change; the new count.</summary>
    Task<long> IncrementAsync(string key, long amount, TimeSpan timeToLive);

    /// <summary>Adds a member to a set that lives until it is emptied (a work list, such as webhooks to deliver).</summary>
    Task AddToSetAsync(string setKey, string member);

    Task RemoveFromSetAsync(string setKey, string member);

    Task<IReadOnlyList<string>> MembersAsync(string setKey);

    /// <summary>
    /// Puts a member in an ordered index (a sorted set that lives until it is emptied) at
    /// <paramref name="score"/>, or moves it there.
    /// </summary>
    Task IndexAsync(string indexKey, string member, long score);

    Task UnindexAsync(string indexKey, string member);

    /// <summary>
    /// Up to <paramref name="count"/> members of an ordered index, highest score first (members of one
    /// score in descending ordinal order), strictly after <paramref name="after"/> in that order, or from
    /// the first when null: a page that the next one continues without a gap, whatever was added or
    /// removed meanwhile.
    /// </summary>
    Task<IReadOnlyList<IndexEntry>> IndexPageAsync(string indexKey, IndexEntry? after, int count);

    /// <summary>Up to <paramref name="count"/> members of an ordered index with a score of at most <paramref name="score"/>, lowest first.</summary>
    Task<IReadOnlyList<IndexEntry>> IndexedUpToAsync(string indexKey, long score, int count);

    /// <summary>
    /// Takes a permit of a rolling-window limit (at most <see cref="RollingWindow.Limit"/> permits in any
    /// span of <see cref="RollingWindow.Length"/>, for each window at once), unless the limit is paused
    /// (<see cref="PauseRollingAsync"/>): then, or when a window is full, the answer says how long until
    /// a permit could be had. Atomic across replicas; the windows slide, they do not turn on the clock.
    /// </summary>
    Task<RollingPermit> TakeRollingPermitAsync(string key, IReadOnlyList<RollingWindow> windows);

    /// <summary>Refuses every permit of the limit at <paramref name="key"/> for <paramref name="duration"/> (a longer pause already set is kept).</summary>
    Task PauseRollingAsync(string key, TimeSpan duration);

    /// <summary>Marks a member of a set of recently seen members as seen now.</summary>
    Task TouchAsync(string setKey, string member);

    /// <summary>How many members of the set were seen within <paramref name="within"/>; the older ones leave it.</summary>
    Task<long> CountTouchedAsync(string setKey, TimeSpan within);

    /// <summary>Takes a member out of a set of recently seen members at once, as if it had never been seen.</summary>
    Task ForgetTouchedAsync(string setKey, string member);

    /// <summary>
    /// Sends a message to every replica listening on the channel now, this one included, at most once:
    /// a hint that something changed, never a record (a replica away from the store meanwhile misses it).
    /// </summary>
    Task PublishAsync(string channel, string message);

    /// <summary>
    /// Calls <paramref name="onMessage"/> with every message published on the channel from now on, by any
    /// replica, on a thread of the store's: it must be quick and must not throw. Listening resumes by
    /// itself when the store comes back.
    /// </summary>
    Task SubscribeAsync(string channel, Action<string> onMessage);

    /// <summary>Completes when the store answers; throws when it cannot be reached.</summary>
    Task PingAsync();
}

/// <summary>A member of an ordered index, with its score.</summary>
public readonly record struct IndexEntry(string Member, long Score);

/// <summary>One window of a rolling-window limit: at most <paramref name="Limit"/> permits in any span of <paramref name="Length"/>.</summary>
public readonly record struct RollingWindow(int Limit, TimeSpan Length);

/// <summary>
/// The answer to a permit asked of a rolling-window limit: taken, or not and how long until one could
/// be (<paramref name="Wait"/>; <paramref name="Paused"/> when the limit is paused). <paramref name="Remaining"/>
/// is what the fullest window has left once this permit is counted.
/// </summary>
public readonly record struct RollingPermit(bool Taken, TimeSpan Wait, bool Paused, int Remaining);

/// <summary>The state store cannot be reached: the gateway answers 503 rather than act without its records.</summary>
public sealed class StateStoreUnavailableException(string message, Exception? innerException) : Exception(message, innerException);
