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

    // Redis's own clock (TIME) measures the windows, so that replicas whose clocks differ still count as one.
    private const string TakeRollingScript = """
        local paused = redis.call('PTTL', KEYS[2])
        if paused > 0 then return {0, paused, 1, 0} end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local windows = tonumber(ARGV[2])
        local longest = 0
        for i = 1, windows do
          longest = math.max(longest, tonumber(ARGV[2 + 2 * i]))
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
        local wait = 0
        local remaining = -1
        for i = 1, windows do
          local limit = tonumber(ARGV[1 + 2 * i])
          local length = tonumber(ARGV[2 + 2 * i])
          local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - length), '+inf')
          if count >= limit then
            local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - length), '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
            wait = math.max(wait, tonumber(oldest[2]) + length - now)
          elseif remaining < 0 or limit - count - 1 < remaining then
            remaining = limit - count - 1
          end
        end
        if wait > 0 then return {0, wait, 0, 0} end
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('PEXPIRE', KEYS[1], longest)
        return {1, 0, 0, remaining}
        """;

    private const string PauseScript = """
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
        return 1
        """;

    // A set nobody touches for a day is let go.
    private const string TouchScript = """
        local time = redis.call('TIME')
        redis.call('ZADD', KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], 86400000)
        return 1
        """;

    private const string CountTouchedScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
        return redis.call('ZCARD', KEYS[1])
        """;

    // The members of one score after the given one are picked here, compared byte by byte (as Redis
    // orders them), then the members of lower scores: a page continues where the last one ended.
    private const string IndexPageScript = """
        local count = tonumber(ARGV[1])
        if ARGV[2] == '0' then
          return redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, count)
        end
        local function before(a, b)
          local n = math.min(#a, #b)
          for i = 1, n do
            local x, y = string.byte(a, i), string.byte(b, i)
            if x ~= y then return x < y end
          end
          return #a < #b
        end
        local page = {}
        local ties = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[3], 'WITHSCORES')
        for i = 1, #ties, 2 do
          if #page < 2 * count and before(ties[i], ARGV[4]) then
            page[#page + 1] = ties[i]
            page[#page + 1] = ties[i + 1]
          end
        end
        if #page < 2 * count then
          local rest = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], '-inf', 'WITHSCORES', 'LIMIT', 0, count - #page / 2)
          for i = 1, #rest do page[#page + 1] = rest[i] end
        end
        return page
        """;

    // Taken on first use: the store is built with the services, before the connection is opened.
    private readonly Lazy<IDatabase> _database;
    private readonly Func<IConnectionMultiplexer> _redis;
    private readonly string _prefix;

    public RedisStateStore(IConnectionMultiplexer redis, IOptions<StateOptions> options)
        : this(() => redis, options)
    {
    }

    internal RedisStateStore(RedisConnection connection, IOptions<StateOptions> options)
        : this(() => connection.Multiplexer, options)
    {
    }

    private RedisStateStore(Func<IConnectionMultiplexer> redis, IOptions<StateOptions> options)
    {
        _redis = redis;
        _prefix = options.Value.KeyPrefix;
        _database = new(() => redis().GetDatabase().WithKeyPrefix(_prefix), LazyThreadSafetyMode.PublicationOnly);
    }

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

    public Task RemoveAsync(string key) => Run(db => db.KeyDeleteAsync(key));

    public async Task<long> IncrementAsync(string key, long amount, TimeSpan timeToLive) =>
        (long)await Run(db => db.ScriptEvaluateAsync(IncrementScript, [key], [amount, Milliseconds(timeToLive)]));

    public Task AddToSetAsync(string setKey, string member) => Run(db => db.SetAddAsync(setKey, member));

    public Task RemoveFromSetAsync(string setKey, string member) => Run(db => db.SetRemoveAsync(setKey, member));

    public async Task<IReadOnlyList<string>> MembersAsync(string setKey) =>
        [.. (await Run(db => db.SetMembersAsync(setKey))).Select(member => member.ToString())];

    public Task IndexAsync(string indexKey, string member, long score) => Run(db => db.SortedSetAddAsync(indexKey, member, score));

    public Task UnindexAsync(string indexKey, string member) => Run(db => db.SortedSetRemoveAsync(indexKey, member));

    public async Task<IReadOnlyList<IndexEntry>> IndexPageAsync(string indexKey, IndexEntry? after, int count)
    {
        RedisValue[] arguments = after is { } from ? [count, "1", from.Score, from.Member] : [count, "0"];
        var page = (RedisValue[])(await Run(db => db.ScriptEvaluateAsync(IndexPageScript, [indexKey], arguments)))!;
        return [.. page.Chunk(2).Select(pair => new IndexEntry(pair[0].ToString(), (long)(double)pair[1]))];
    }

    public async Task<IReadOnlyList<IndexEntry>> IndexedUpToAsync(string indexKey, long score, int count) =>
        [.. (await Run(db => db.SortedSetRangeByScoreWithScoresAsync(indexKey, double.NegativeInfinity, score, take: count)))
            .Select(entry => new IndexEntry(entry.Element.ToString(), (long)entry.Score))];

    public async Task<RollingPermit> TakeRollingPermitAsync(string key, IReadOnlyList<RollingWindow> windows)
    {
        var arguments = new RedisValue[2 + (2 * windows.Count)];
        arguments[0] = Guid.NewGuid().ToString("N");
        arguments[1] = windows.Count;
        for (var i = 0; i < windows.Count; i++)
        {
            arguments[2 + (2 * i)] = windows[i].Limit;
            arguments[3 + (2 * i)] = Milliseconds(windows[i].Length);
        }

        var answer = (RedisResult[])(await Run(db => db.ScriptEvaluateAsync(TakeRollingScript, [key, PauseKey(key)], arguments)))!;
        return new RollingPermit((long)answer[0] == 1, TimeSpan.FromMilliseconds((long)answer[1]), (long)answer[2] == 1, (int)(long)answer[3]);
    }

    public Task PauseRollingAsync(string key, TimeSpan duration) =>
        Run(db => db.ScriptEvaluateAsync(PauseScript, [PauseKey(key)], [Milliseconds(duration)]));

    public Task TouchAsync(string setKey, string member) => Run(db => db.ScriptEvaluateAsync(TouchScript, [setKey], [member]));

    public async Task<long> CountTouchedAsync(string setKey, TimeSpan within) =>
        (long)await Run(db => db.ScriptEvaluateAsync(CountTouchedScript, [setKey], [Milliseconds(within)]));

    public Task ForgetTouchedAsync(string setKey, string member) => Run(db => db.SortedSetRemoveAsync(setKey, member));

    // Channels carry the key prefix too, so that gateways sharing one Redis do not hear each other.
    public Task PublishAsync(string channel, string message) =>
        Run(_ => _redis().GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + channel), message));

    // The multiplexer subscribes again by itself after a reconnect.
    public Task SubscribeAsync(string channel, Action<string> onMessage) =>
        Run(async _ =>
        {
            await _redis().GetSubscriber().SubscribeAsync(RedisChannel.Literal(_prefix + channel), (_, message) => onMessage(message.ToString()));
            return true;
        });

    public Task PingAsync() => Run(db => db.PingAsync());

    private static string PauseKey(string key) => key + ":paused";

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
