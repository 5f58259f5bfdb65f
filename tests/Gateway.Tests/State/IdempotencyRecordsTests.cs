using Gateway.State;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Tests.State;

/// <summary>Claims in this process's store.</summary>
public sealed class InMemoryIdempotencyRecordsTests() : IdempotencyRecordsTests(clock => new InMemoryStateStore(clock));

/// <summary>Claims in Redis.</summary>
[FullTier("redis-server")]
public sealed class RedisIdempotencyRecordsTests(SharedRedis redis) : IdempotencyRecordsTests(_ => new RedisStateStore(
    ConnectionMultiplexer.Connect(redis.ConnectionString),
    Options.Create(new StateOptions { KeyPrefix = SharedRedis.NewPrefix() })));

/// <summary>
/// What a request finds when it claims an idempotency key whose holder went quiet: the lease decides,
/// and whether the holder had sent its submit decides what the lease's end means.
/// </summary>
public abstract class IdempotencyRecordsTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(40);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly IStateStore _store;
    private readonly IdempotencyRecords _records;

    protected IdempotencyRecordsTests(Func<TimeProvider, IStateStore> store)
    {
        _store = store(_clock);
        _records = new IdempotencyRecords(_store, _clock);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_holder_that_vanished_before_sending_frees_the_key_once_its_lease_is_over()
    {
        var first = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var second = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);

        Assert.Equal(ClaimOutcome.Claimed, first.Outcome);
        Assert.Equal(ClaimOutcome.Claimed, second.Outcome);
        Assert.Null(await _records.MarkSentAsync(first));
        Assert.NotNull(await _records.MarkSentAsync(second));
    }

    [Fact]
    public async Task A_holder_that_vanished_after_sending_leaves_an_unknown_outcome_counted_from_the_send()
    {
        var first = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(await _records.MarkSentAsync(first));
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var later = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);

        Assert.Equal(ClaimOutcome.Unknown, later.Outcome);
    }

    [Fact]
    public async Task A_request_that_arrives_while_the_holder_is_at_Sunra_waits_for_its_answer()
    {
        var first = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);
        var sent = (await _records.MarkSentAsync(first))!;

        var waiting = _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);
        Assert.False(waiting.IsCompleted);
        Assert.True(await _records.CompleteAsync(sent, """{"request_id":"pd_1"}"""));
        while (!waiting.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, Cancellation);
        }

        var found = await waiting;
        Assert.Equal(ClaimOutcome.Replay, found.Outcome);
        Assert.Equal("""{"request_id":"pd_1"}""", found.Answer);
    }

    [Fact]
    public async Task Another_body_under_the_key_is_a_mismatch_and_another_caller_has_a_key_of_its_own()
    {
        await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);

        Assert.Equal(ClaimOutcome.Mismatch, (await _records.ClaimAsync("orders", "k", "other", Lease, Cancellation)).Outcome);
        Assert.Equal(ClaimOutcome.Claimed, (await _records.ClaimAsync("billing", "k", "other", Lease, Cancellation)).Outcome);
    }

    [Fact]
    public async Task A_released_key_can_be_claimed_again_and_a_key_marked_unknown_stays_unknown()
    {
        var released = (await _records.MarkSentAsync(await _records.ClaimAsync("orders", "released", "fp", Lease, Cancellation)))!;
        var unknown = (await _records.MarkSentAsync(await _records.ClaimAsync("orders", "unknown", "fp", Lease, Cancellation)))!;

        Assert.True(await _records.ReleaseAsync(released));
        Assert.True(await _records.MarkUnknownAsync(unknown));

        Assert.Equal(ClaimOutcome.Claimed, (await _records.ClaimAsync("orders", "released", "fp", Lease, Cancellation)).Outcome);
        Assert.Equal(ClaimOutcome.Unknown, (await _records.ClaimAsync("orders", "unknown", "fp", Lease, Cancellation)).Outcome);
    }

    [Fact]
    public async Task A_record_that_cannot_be_read_is_an_unknown_outcome_not_a_crash()
    {
        var claim = await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation);
        await _store.SetAsync(claim.StoreKey, "{not json", IdempotencyRecords.Retention);

        Assert.Equal(ClaimOutcome.Unknown, (await _records.ClaimAsync("orders", "k", "fp", Lease, Cancellation)).Outcome);
    }
}
