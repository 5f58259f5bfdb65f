using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Core;

/// <summary>How the account's budget is spent by kind of call, on one replica's store and the test's clock.</summary>
public sealed class AccountBudgetTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Polls_spend_only_their_share_and_never_wait_so_that_results_and_cancels_always_find_budget()
    {
        var budget = Budget(new SunraLimits { OtherCallsPerSecond = 100, OtherCallsPerMinute = 10, PollShare = 0.8 });

        for (var i = 0; i < 8; i++)
        {
            await budget.TakeAsync(SunraCallKind.Poll, Cancellation);
        }

        var poll = await Assert.ThrowsAsync<SunraAccountRefusal>(() => budget.TakeAsync(SunraCallKind.Poll, Cancellation));
        await budget.TakeAsync(SunraCallKind.Read, Cancellation);
        await budget.TakeAsync(SunraCallKind.Read, Cancellation);
        var read = await Assert.ThrowsAsync<SunraAccountRefusal>(() => budget.TakeAsync(SunraCallKind.Read, Cancellation));

        Assert.Equal(AccountRefusalReason.BudgetSpent, poll.Reason);
        Assert.Equal(AccountRefusalReason.BudgetSpent, read.Reason);
        Assert.Equal(TimeSpan.FromSeconds(60.25), read.RetryAfter);
        Assert.Equal(0.8 * 10 / 60.0, budget.PollsPerSecond, precision: 6);
    }

    [Fact]
    public async Task A_submit_waits_for_the_per_second_window_to_slide_but_not_longer_than_it_may()
    {
        var budget = Budget(new SunraLimits { SubmitsPerSecond = 2, SubmitsPerMinute = 100, SubmitWaitSeconds = 2 });
        await budget.TakeAsync(SunraCallKind.Submit, Cancellation);
        await budget.TakeAsync(SunraCallKind.Submit, Cancellation);

        var third = budget.TakeAsync(SunraCallKind.Submit, Cancellation);
        Assert.False(third.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1.25));
        await third.WaitAsync(TimeSpan.FromSeconds(5), Cancellation);

        var minuteBudget = Budget(new SunraLimits { SubmitsPerSecond = 10, SubmitsPerMinute = 1, SubmitWaitSeconds = 2 });
        await minuteBudget.TakeAsync(SunraCallKind.Submit, Cancellation);
        var refused = await Assert.ThrowsAsync<SunraAccountRefusal>(() => minuteBudget.TakeAsync(SunraCallKind.Submit, Cancellation));
        Assert.Equal(AccountRefusalReason.BudgetSpent, refused.Reason);
        Assert.Equal(TimeSpan.FromSeconds(60.25), refused.RetryAfter);
    }

    [Fact]
    public async Task A_throttle_pauses_its_kind_for_Sunras_wait_or_a_doubling_one_and_submits_keep_their_own_limit()
    {
        var budget = Budget(new SunraLimits());

        Assert.Equal(TimeSpan.FromSeconds(30), await budget.PauseAsync(SunraCallKind.Read, TimeSpan.FromSeconds(30)));
        var paused = await Assert.ThrowsAsync<SunraAccountRefusal>(() => budget.TakeAsync(SunraCallKind.Poll, Cancellation));
        Assert.Equal(AccountRefusalReason.Paused, paused.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), paused.RetryAfter);
        await budget.TakeAsync(SunraCallKind.Submit, Cancellation);

        // The second and third throttle in a row, without a wait named: two seconds, then four.
        Assert.Equal(TimeSpan.FromSeconds(2), await budget.PauseAsync(SunraCallKind.Read, null));
        Assert.Equal(TimeSpan.FromSeconds(4), await budget.PauseAsync(SunraCallKind.Read, null));
        budget.Answered();
        Assert.Equal(TimeSpan.FromSeconds(1), await budget.PauseAsync(SunraCallKind.Read, null));

        _clock.Advance(TimeSpan.FromSeconds(30));
        await budget.TakeAsync(SunraCallKind.Poll, Cancellation);
    }

    [Fact]
    public async Task A_wait_for_budget_cut_short_by_a_timeout_is_a_refusal_never_a_timeout_that_may_have_sold_a_remix()
    {
        var budget = Budget(new SunraLimits { SubmitsPerSecond = 1, SubmitsPerMinute = 100, SubmitWaitSeconds = 2 });
        await budget.TakeAsync(SunraCallKind.Submit, Cancellation);
        using var timeout = new CancellationTokenSource();

        var waiting = budget.TakeAsync(SunraCallKind.Submit, timeout.Token);
        await timeout.CancelAsync();

        var refused = await Assert.ThrowsAsync<SunraAccountRefusal>(() => waiting);
        Assert.Equal(AccountRefusalReason.BudgetSpent, refused.Reason);
        Assert.False(refused.ReachedSunra);
    }

    [Fact]
    public async Task A_poll_held_back_tells_until_when_no_poll_can_have_a_permit_so_the_next_ones_are_not_built()
    {
        var budget = Budget(new SunraLimits { OtherCallsPerSecond = 100, OtherCallsPerMinute = 10, PollShare = 0.8 });
        Assert.Null(budget.PollHeldBack());
        for (var i = 0; i < 8; i++)
        {
            await budget.TakeAsync(SunraCallKind.Poll, Cancellation);
        }

        var refused = await Assert.ThrowsAsync<SunraAccountRefusal>(() => budget.TakeAsync(SunraCallKind.Poll, Cancellation));
        _clock.Advance(TimeSpan.FromSeconds(20));
        var held = budget.PollHeldBack();

        // The first permit leaves the minute, and its quarter of a second, at 60.25 s: 40.25 s from now.
        Assert.Equal(TimeSpan.FromSeconds(60.25), refused.RetryAfter);
        Assert.Equal(AccountRefusalReason.BudgetSpent, held?.Reason);
        Assert.Equal(TimeSpan.FromSeconds(40.25), held?.RetryAfter);

        // A read has a share of its own, and is never held back by the polls' hold.
        await budget.TakeAsync(SunraCallKind.Read, Cancellation);
        _clock.Advance(TimeSpan.FromSeconds(40.25));
        Assert.Null(budget.PollHeldBack());
        await budget.TakeAsync(SunraCallKind.Poll, Cancellation);
    }

    [Fact]
    public async Task While_Sunras_throttle_pauses_the_other_calls_polls_are_held_back_as_paused()
    {
        var budget = Budget(new SunraLimits());
        await budget.PauseAsync(SunraCallKind.Read, TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<SunraAccountRefusal>(() => budget.TakeAsync(SunraCallKind.Poll, Cancellation));

        Assert.Equal(AccountRefusalReason.Paused, budget.PollHeldBack()?.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), budget.PollHeldBack()?.RetryAfter);
    }

    private AccountBudget Budget(SunraLimits limits) =>
        new(new InMemoryStateStore(_clock), Options.Create(new SunraOptions { Limits = limits }), _clock);
}
