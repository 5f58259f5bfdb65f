using Gateway.State;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.State;

/// <summary>The store of a single replica.</summary>
public sealed class InMemoryStateStoreTests() : StateStoreContractTests(new InMemoryStateStore(TimeProvider.System));

/// <summary>The store the replicas share, on a real redis-server.</summary>
[FullTier("redis-server")]
public sealed class RedisStateStoreTests(SharedRedis redis) : StateStoreContractTests(Connect(redis.ConnectionString, SharedRedis.NewPrefix()))
{
    [Fact]
    public async Task An_unreachable_Redis_is_a_StateStoreUnavailableException_at_once()
    {
        var closed = GatewayProcess.FreePort();
        var store = Connect($"127.0.0.1:{closed},connectTimeout=500", "x:");

        var failure = await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.GetAsync("k"));
        Assert.IsAssignableFrom<RedisException>(failure.InnerException);
        await Assert.ThrowsAsync<StateStoreUnavailableException>(store.PingAsync);
    }

    [Fact]
    public async Task Two_prefixes_on_one_Redis_do_not_see_each_others_keys()
    {
        var other = Connect(redis.ConnectionString, SharedRedis.NewPrefix());
        await Store.SetAsync("shared-name", "mine", TimeSpan.FromMinutes(1));

        Assert.Null(await other.GetAsync("shared-name"));
    }

    [Fact]
    public async Task Two_prefixes_on_one_Redis_do_not_hear_each_others_messages()
    {
        var other = Connect(redis.ConnectionString, SharedRedis.NewPrefix());
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var overheard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Store.SubscribeAsync("shared-channel", message => heard.TrySetResult(message));
        await other.SubscribeAsync("shared-channel", message => overheard.TrySetResult(message));

        await Store.PublishAsync("shared-channel", "mine");

        Assert.Equal("mine", await heard.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        // Redis delivers in the order it was sent: had the other prefix heard "mine", it would have heard it first.
        await other.PublishAsync("shared-channel", "theirs");
        Assert.Equal("theirs", await overheard.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    private static RedisStateStore Connect(string connectionString, string prefix)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        return new RedisStateStore(ConnectionMultiplexer.Connect(configuration), Options.Create(new StateOptions { KeyPrefix = prefix }));
    }
}

/// <summary>What every state store does, so that the gateway behaves the same on one replica or many.</summary>
public abstract class StateStoreContractTests(IStateStore store)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    protected IStateStore Store => store;

    private static string NewKey() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_value_set_is_read_back_and_a_missing_one_is_null()
    {
        var key = NewKey();
        Assert.Null(await store.GetAsync(key));

        await store.SetAsync(key, "orders", Long);
        Assert.Equal("orders", await store.GetAsync(key));

        await store.SetAsync(key, "billing", Long);
        Assert.Equal("billing", await store.GetAsync(key));
    }

    [Fact]
    public async Task Add_stores_only_when_the_key_is_empty()
    {
        var key = NewKey();

        Assert.True(await store.AddAsync(key, "first", Long));
        Assert.False(await store.AddAsync(key, "second", Long));
        Assert.Equal("first", await store.GetAsync(key));
    }

    [Fact]
    public async Task Of_twenty_racing_adds_exactly_one_wins()
    {
        var key = NewKey();

        var won = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.AddAsync(key, $"racer {i}", Long))));

        Assert.Single(won, w => w);
        Assert.Equal($"racer {Array.IndexOf(won, true)}", await store.GetAsync(key));
    }

    [Fact]
    public async Task Replace_changes_or_removes_a_value_only_while_it_is_the_expected_one()
    {
        var key = NewKey();
        await store.SetAsync(key, "claimed", Long);

        Assert.False(await store.ReplaceAsync(key, "something else", "stolen", Long));
        Assert.Equal("claimed", await store.GetAsync(key));

        Assert.True(await store.ReplaceAsync(key, "claimed", "completed", Long));
        Assert.Equal("completed", await store.GetAsync(key));

        Assert.False(await store.ReplaceAsync(key, "claimed", null, Long));
        Assert.True(await store.ReplaceAsync(key, "completed", null, Long));
        Assert.Null(await store.GetAsync(key));
        Assert.False(await store.ReplaceAsync(key, "completed", "again", Long));
    }

    [Fact]
    public async Task Counters_start_at_zero_and_count_every_racing_increment()
    {
        var key = NewKey();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => store.IncrementAsync(key, 1, Long))));

        Assert.Equal(49, await store.IncrementAsync(key, -1, Long));
        Assert.Equal(7, await store.IncrementAsync(NewKey(), 7, Long));
    }

    [Fact]
    public async Task Values_and_counters_expire_and_the_key_is_free_again()
    {
        var (value, added, counter) = (NewKey(), NewKey(), NewKey());
        await store.SetAsync(value, "v", Short);
        await store.AddAsync(added, "a", Short);
        await store.IncrementAsync(counter, 3, Short);

        await Task.Delay(Short * 2, TestContext.Current.CancellationToken);

        Assert.Null(await store.GetAsync(value));
        Assert.True(await store.AddAsync(added, "again", Long));
        Assert.Equal(1, await store.IncrementAsync(counter, 1, Long));
    }

    [Fact]
    public async Task A_counter_lives_from_its_first_change_not_its_last()
    {
        var key = NewKey();
        await store.IncrementAsync(key, 1, Short);
        await Task.Delay(Short / 2, TestContext.Current.CancellationToken);
        await store.IncrementAsync(key, 1, Long);

        await Task.Delay(Short, TestContext.Current.CancellationToken);

        Assert.Equal(1, await store.IncrementAsync(key, 1, Long));
    }

    [Fact]
    public async Task A_set_holds_each_member_once_until_it_is_removed()
    {
        var set = NewKey();
        Assert.Empty(await store.MembersAsync(set));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.AddToSetAsync(set, $"pd_{i % 5}"))));
        await store.RemoveFromSetAsync(set, "pd_3");
        await store.RemoveFromSetAsync(set, "pd_never_added");

        Assert.Equal(["pd_0", "pd_1", "pd_2", "pd_4"], (await store.MembersAsync(set)).Order());
    }

    [Fact]
    public async Task A_rolling_limit_gives_its_permits_then_says_how_long_until_the_oldest_leaves_its_window()
    {
        var key = NewKey();
        RollingWindow[] windows = [new(3, Long)];

        var taken = new List<RollingPermit>();
        for (var i = 0; i < 3; i++)
        {
            taken.Add(await store.TakeRollingPermitAsync(key, windows));
        }

        var refused = await store.TakeRollingPermitAsync(key, windows);

        Assert.All(taken, permit => Assert.True(permit.Taken));
        Assert.Equal([2, 1, 0], taken.Select(permit => permit.Remaining));
        Assert.False(refused.Taken);
        Assert.False(refused.Paused);
        Assert.InRange(refused.Wait, Long - TimeSpan.FromSeconds(5), Long);
    }

    [Fact]
    public async Task A_rolling_window_slides_a_permit_frees_one_window_after_it_was_taken_not_when_a_clock_window_turns()
    {
        var key = NewKey();
        RollingWindow[] windows = [new(2, Short)];
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);
        await Task.Delay(Short / 2, TestContext.Current.CancellationToken);
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);

        var full = await store.TakeRollingPermitAsync(key, windows);
        Assert.False(full.Taken);
        Assert.InRange(full.Wait, TimeSpan.FromMilliseconds(1), Short / 2 + TimeSpan.FromMilliseconds(50));

        await Task.Delay(full.Wait + TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);

        // The second permit is still in the window: one freed, one taken, the window is full again.
        Assert.False((await store.TakeRollingPermitAsync(key, windows)).Taken);
    }

    [Fact]
    public async Task The_fullest_of_several_windows_decides_and_a_refused_permit_is_not_counted()
    {
        var key = NewKey();
        RollingWindow[] windows = [new(2, Short), new(3, Long)];
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await store.TakeRollingPermitAsync(key, windows)).Taken);
        }

        await Task.Delay(Short + TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        var third = await store.TakeRollingPermitAsync(key, windows);
        var fourth = await store.TakeRollingPermitAsync(key, windows);

        Assert.True(third.Taken);
        Assert.Equal(0, third.Remaining);
        Assert.False(fourth.Taken);
        Assert.True(fourth.Wait > Long - TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_paused_limit_refuses_every_permit_until_the_pause_ends_and_a_shorter_pause_does_not_cut_it()
    {
        var key = NewKey();
        RollingWindow[] windows = [new(100, Long)];
        await store.PauseRollingAsync(key, Short);
        await store.PauseRollingAsync(key, TimeSpan.FromMilliseconds(1));

        var paused = await store.TakeRollingPermitAsync(key, windows);
        Assert.False(paused.Taken);
        Assert.True(paused.Paused);
        Assert.InRange(paused.Wait, TimeSpan.FromMilliseconds(1), Short);

        await Task.Delay(Short + TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        Assert.True((await store.TakeRollingPermitAsync(key, windows)).Taken);
    }

    [Fact]
    public async Task Members_touched_within_a_span_are_counted_once_each_and_older_ones_leave()
    {
        var set = NewKey();
        Assert.Equal(0, await store.CountTouchedAsync(set, Long));

        await store.TouchAsync(set, "pd_1");
        await store.TouchAsync(set, "pd_2");
        await store.TouchAsync(set, "pd_1");
        Assert.Equal(2, await store.CountTouchedAsync(set, Long));

        await Task.Delay(Short, TestContext.Current.CancellationToken);
        await store.TouchAsync(set, "pd_3");

        Assert.Equal(1, await store.CountTouchedAsync(set, Short / 2));
        Assert.Equal(1, await store.CountTouchedAsync(set, Long));
    }

    [Fact]
    public async Task A_member_forgotten_leaves_the_touched_set_at_once()
    {
        var set = NewKey();
        await store.TouchAsync(set, "pd_1");
        await store.TouchAsync(set, "pd_2");

        await store.ForgetTouchedAsync(set, "pd_1");
        await store.ForgetTouchedAsync(set, "pd_never_touched");

        Assert.Equal(1, await store.CountTouchedAsync(set, Long));
    }

    [Fact]
    public async Task A_message_published_reaches_every_listener_of_its_channel_and_no_other()
    {
        var channel = NewKey();
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var elsewhere = new List<string>();
        await store.SubscribeAsync(channel, message => first.TrySetResult(message));
        await store.SubscribeAsync(channel, message => second.TrySetResult(message));
        await store.SubscribeAsync(NewKey(), message => { lock (elsewhere) { elsewhere.Add(message); } });

        await store.PublishAsync(channel, "remix-1");

        Assert.Equal("remix-1", await first.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal("remix-1", await second.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await store.PingAsync();
        lock (elsewhere)
        {
            Assert.Empty(elsewhere);
        }
    }

    [Fact]
    public async Task A_value_removed_is_gone_and_removing_a_missing_one_is_no_error()
    {
        var key = NewKey();
        await store.SetAsync(key, "record", Long);

        await store.RemoveAsync(key);
        await store.RemoveAsync(key);

        Assert.Null(await store.GetAsync(key));
    }

    [Fact]
    public async Task An_index_pages_its_members_highest_score_first_without_gaps_or_repeats_across_ties()
    {
        var index = NewKey();
        await store.IndexAsync(index, "a", 100);
        await store.IndexAsync(index, "d", 300);
        await store.IndexAsync(index, "b", 200);
        await store.IndexAsync(index, "c", 200);
        await store.IndexAsync(index, "e", 200);

        var first = await store.IndexPageAsync(index, after: null, count: 2);
        var second = await store.IndexPageAsync(index, first[^1], count: 2);
        var third = await store.IndexPageAsync(index, second[^1], count: 2);

        Assert.Equal([new("d", 300), new("e", 200)], first);
        Assert.Equal([new("c", 200), new("b", 200)], second);
        Assert.Equal([new IndexEntry("a", 100)], third);
        Assert.Empty(await store.IndexPageAsync(index, third[^1], count: 2));
        Assert.Empty(await store.IndexPageAsync(NewKey(), after: null, count: 2));
    }

    [Fact]
    public async Task A_page_after_a_member_removed_meanwhile_continues_where_it_stood()
    {
        var index = NewKey();
        await store.IndexAsync(index, "old", 1_764_000_000_000);
        await store.IndexAsync(index, "middle", 1_764_000_000_500);
        await store.IndexAsync(index, "new", 1_764_000_001_000);
        var first = await store.IndexPageAsync(index, after: null, count: 2);

        await store.UnindexAsync(index, "middle");

        Assert.Equal([new IndexEntry("old", 1_764_000_000_000)], await store.IndexPageAsync(index, first[^1], count: 2));
    }

    [Fact]
    public async Task A_member_indexed_again_moves_to_its_new_score_and_one_unindexed_leaves()
    {
        var index = NewKey();
        await store.IndexAsync(index, "a", 1);
        await store.IndexAsync(index, "b", 2);

        await store.IndexAsync(index, "a", 3);
        Assert.Equal([new("a", 3), new("b", 2)], await store.IndexPageAsync(index, after: null, count: 10));

        await store.UnindexAsync(index, "a");
        await store.UnindexAsync(index, "never there");
        Assert.Equal([new IndexEntry("b", 2)], await store.IndexPageAsync(index, after: null, count: 10));
    }

    [Fact]
    public async Task The_members_up_to_a_score_are_given_lowest_first_and_at_most_as_many_as_asked()
    {
        var index = NewKey();
        foreach (var (member, score) in new[] { ("p", 10L), ("q", 20L), ("r", 30L), ("s", 40L) })
        {
            await store.IndexAsync(index, member, score);
        }

        Assert.Equal([new("p", 10), new("q", 20)], await store.IndexedUpToAsync(index, 30, count: 2));
        Assert.Equal([new("p", 10), new("q", 20), new("r", 30)], await store.IndexedUpToAsync(index, 30, count: 10));
        Assert.Empty(await store.IndexedUpToAsync(index, 9, count: 10));
    }

    [Fact]
    public async Task A_reachable_store_answers_a_ping() => await store.PingAsync();
}
