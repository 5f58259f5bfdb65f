using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Gateway.State;

/// <summary>
/// The state shared by every replica, in Redis (<c>ConnectionStrings:Redis</c>). Each primitive is a
/// single command or script, so it is atomic across replicas. Redis errors become
/// <see cref="StateStoreUnavailableException"/>; the connection heals by itself when Redis returns.
/// </summary>
public sealed class RedisStateStore : IStateStore
{
    private const string ReplaceScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        if ARGV[2] == '1' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) else redis.call('DEL', KEYS[1]) end
        return 1
        """;

    private const string IncrementScript = """
        local count = redis.call('INCRBY', KEYS[1], ARGV[1])
        if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return count
        """;

    // Taken on first use: the store is built with the services, before the connection is opened.
    private readonly Lazy<IDatabase> _database;

    public RedisStateStore(IConnectionMultiplexer redis, IOptions<StateOptions> options)
        : this(() => redis, options)
    {
    }

    internal RedisStateStore(RedisConnection connection, IOptions<StateOptions> options)
        : this(() => connection.Multiplexer, options)
    {
    }

    private RedisStateStore(Func<IConnectionMultiplexer> redis, IOptions<StateOptions> options) =>
        _database = new(() => redis().GetDatabase().WithKeyPrefix(options.Value.KeyPrefix), LazyThreadSafetyMode.PublicationOnly);

    public async Task<string?> GetAsync(string key) => await Run(db => db.StringGetAsync(key));

    public Task SetAsync(string key, string value, TimeSpan timeToLive) => Run(db => db.StringSetAsync(key, value, timeToLive));

    public Task<bool> AddAsync(string key, string value, TimeSpan timeToLive) => Run(db => db.StringSetAsync(key, value, timeToLive, When.NotExists));

    public async Task<bool> ReplaceAsync(string key, string expected, string? replacement, TimeSpan timeToLive)
    {
        var replaced = await Run(db => db.ScriptEvaluateAsync(
            ReplaceScript,
            [key],
            [expected, replacement is null ? "0" : "1", replacement ?? "", Milliseconds(timeToLive)]));
        return (long)replaced == 1;
    }

    public async Task<long> IncrementAsync(string key, long amount, TimeSpan timeToLive) =>
        (long)await Run(db => db.ScriptEvaluateAsync(IncrementScript, [key], [amount, Milliseconds(timeToLive)]));

    public Task AddToSetAsync(string setKey, string member) => Run(db => db.SetAddAsync(setKey, member));

    public Task RemoveFromSetAsync(string setKey, string member) => Run(db => db.SetRemoveAsync(setKey, member));

    public async Task<IReadOnlyList<string>> MembersAsync(string setKey) =>
        [.. (await Run(db => db.SetMembersAsync(setKey))).Select(member => member.ToString())];

    public Task PingAsync() => Run(db => db.PingAsync());

    private static long Milliseconds(TimeSpan timeToLive) => Math.Max(1, (long)timeToLive.TotalMilliseconds);

    private async Task<T> Run<T>(Func<IDatabase, Task<T>> command)
    {
        try
        {
            return await command(_database.Value);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new StateStoreUnavailableException("The state store (Redis) cannot be reached.", e);
        }
    }
}
