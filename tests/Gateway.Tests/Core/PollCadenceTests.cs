using Gateway.Core;
using Gateway.State;
using Gateway.Sunra;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Core;

/// <summary>The pace of the status polls: the account's poll budget spread over the remixes followed.</summary>
public sealed class PollCadenceTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStateStore _store;
    private readonly PollCadence _cadence;

    public PollCadenceTests()
    {
        _store = new InMemoryStateStore(_clock);

        // The default limits: 1,800 other calls a minute, of which polls spend 80 %, 24 a second.
        var options = Options.Create(new SunraOptions());
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _cadence = new PollCadence(_store, new AccountBudget(_store, options, _clock), options, _clock, new CoreMetrics(meters));
    }

    [Fact]
    public void With_few_remixes_followed_each_is_polled_every_StatusPollIntervalSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), _cadence.Interval);
        Assert.Equal(TimeSpan.FromSeconds(0.9), _cadence.FreshFor);
    }

    [Fact]
    public async Task With_N_remixes_followed_each_is_polled_every_N_over_the_polls_a_second_the_budget_allows()
    {
        for (var i = 0; i < 240; i++)
        {
            await _cadence.FollowAsync($"pd_{i}");
        }

        await CountedAsync(240);

        // Each status stays fresh for N / B = 10 s, so however fast they are read, 24 polls a second at most.
        Assert.Equal(TimeSpan.FromSeconds(10), _cadence.FreshFor);
        Assert.Equal(TimeSpan.FromSeconds(10) / 0.9, _cadence.Interval);
    }

    [Fact]
    public async Task A_remix_nobody_wants_any_more_stops_counting_after_the_horizon()
    {
        for (var i = 0; i < 48; i++)
        {
            await _cadence.FollowAsync($"pd_{i}");
        }

        await CountedAsync(48);
        Assert.Equal(TimeSpan.FromSeconds(2), _cadence.FreshFor);

        _clock.Advance(TimeSpan.FromSeconds(31));
        await _cadence.FollowAsync("pd_still_wanted");
        await CountedAsync(1);

        Assert.Equal(TimeSpan.FromSeconds(1), _cadence.Interval);
    }

    [Fact]
    public async Task A_remix_that_ended_stops_counting_at_the_next_count_not_at_the_horizon()
    {
        for (var i = 0; i < 48; i++)
        {
            await _cadence.FollowAsync($"pd_{i}");
        }

        await CountedAsync(48);
        for (var i = 0; i < 24; i++)
        {
            await _cadence.UnfollowAsync($"pd_{i}");
        }

        await CountedAsync(24);
        Assert.Equal(TimeSpan.FromSeconds(1), _cadence.FreshFor);
    }

    // The count is read again at most once a second, in the background of a read of the interval.
    private async Task CountedAsync(long expected)
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        for (var tries = 0; tries < 200 && (_cadence.Interval > TimeSpan.Zero && _cadence.Followed != expected); tries++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(expected, _cadence.Followed);
    }
}
