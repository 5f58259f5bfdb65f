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

    /// <summary>Adds to a counter that starts at zero and lives <paramref name="timeToLive"/> from its first change; the new count.</summary>
    Task<long> IncrementAsync(string key, long amount, TimeSpan timeToLive);

    /// <summary>Adds a member to a set that lives until it is emptied (a work list, such as webhooks to deliver).</summary>
    Task AddToSetAsync(string setKey, string member);

    Task RemoveFromSetAsync(string setKey, string member);

    Task<IReadOnlyList<string>> MembersAsync(string setKey);

    /// <summary>Completes when the store answers; throws when it cannot be reached.</summary>
    Task PingAsync();
}

/// <summary>The state store cannot be reached: the gateway answers 503 rather than act without its records.</summary>
public sealed class StateStoreUnavailableException(string message, Exception? innerException) : Exception(message, innerException);
