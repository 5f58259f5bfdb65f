using System.Globalization;
using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Sunra.Emulator;

namespace Gateway.Tests.Sunra;

/// <summary>
/// Sunra's limits on the whole account, as the gateway lives within them: its budget refuses a submit
/// before anything is sent, and Sunra's own throttle (a 403 with rate-limit headers) pauses the calls
/// of its kind and is never taken for refused credentials. The gateway and the emulator run on the
/// test's clock, so every window and pause is exact, and a remix completes when the test says so.
/// </summary>
public sealed class AccountBudgetAnswerTests : GatewayTest
{
    private const string ThrottleBody = """{"error": {"type": "rate_limit_error", "code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"}}""";

    private readonly FakeTimeProvider _clock;

    public AccountBudgetAnswerTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private AccountBudgetAnswerTests(FakeTimeProvider clock)
        : base(
            emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromHours(1),
            clock: clock,
            settings: new Dictionary<string, string?>
            {
                ["Sunra:Limits:SubmitsPerSecond"] = "10",
                ["Sunra:Limits:SubmitsPerMinute"] = "3",
                ["Sunra:Limits:SubmitWaitSeconds"] = "0",
            },
            gatewayClock: clock) =>
        _clock = clock;

    [Fact]
    public async Task A_submit_over_the_accounts_budget_is_a_429_with_the_exact_wait_and_Sunra_never_sees_it()
    {
        for (var i = 0; i < 3; i++)
        {
            await Client.SubmitAsync(prompt: $"p{i}");
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        using var refused = await SubmitAsync("over-budget");

        // The first permit (at 0 s) leaves the rolling minute, and its quarter-second margin, at 60.25 s; it is 30 s now.
        var problem = await refused.AssertProblemAsync(429, "/problems/account-budget-spent");
        Assert.Equal(TimeSpan.FromSeconds(31), refused.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("credentials", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, SubmitsAtSunra);

        // The key was not held, and the quota not spent: after the wait, the same key buys the remix once.
        _clock.Advance(TimeSpan.FromSeconds(30.25));
        using var accepted = await SubmitAsync("over-budget");
        using var replayed = await SubmitAsync("over-budget");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(4, SubmitsAtSunra);
    }

    [Fact]
    public async Task The_minute_rolls_three_submits_at_the_end_of_one_clock_minute_leave_none_for_the_start_of_the_next()
    {
        _clock.Advance(TimeSpan.FromSeconds(50));
        for (var i = 0; i < 3; i++)
        {
            await Client.SubmitAsync(prompt: $"p{i}");
        }

        _clock.Advance(TimeSpan.FromSeconds(15));
        using var refused = await SubmitAsync(key: null);

        await refused.AssertProblemAsync(429, "/problems/account-budget-spent");
        Assert.Equal(TimeSpan.FromSeconds(46), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(3, SubmitsAtSunra);
    }

    [Fact]
    public async Task Sunras_throttle_on_a_result_is_a_503_with_its_reset_and_pauses_every_other_call_but_not_submits()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        Sunra.Script.Enqueue(SunraOperation.Result, Throttle(resetSeconds: 30));
        CompleteEveryRemix();

        using var result = await Client.GetAsync($"/remix/{id}", Cancellation);

        var problem = await result.AssertProblemAsync(503, "/problems/upstream-throttled");
        Assert.Equal(TimeSpan.FromSeconds(30), result.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("credentials", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // Paused: a cancel and a result are answered at once, with the time left, and Sunra hears nothing.
        var before = Sunra.Calls.Count;
        _clock.Advance(TimeSpan.FromSeconds(10));
        using (var again = await Client.GetAsync($"/remix/{id}", Cancellation))
        {
            await again.AssertProblemAsync(503, "/problems/upstream-throttled");
            Assert.Equal(TimeSpan.FromSeconds(20), again.Headers.RetryAfter?.Delta);
        }

        using (var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation))
        {
            await cancel.AssertProblemAsync(503, "/problems/upstream-throttled");
        }

        Assert.Equal(before, Sunra.Calls.Count);

        // Submits have limits of their own, which Sunra did not throttle.
        await Client.SubmitAsync(prompt: "still welcome");

        _clock.Advance(TimeSpan.FromSeconds(20));
        using var served = await Client.GetAsync($"/remix/{id}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        var metrics = await Client.GetStringAsync("/metrics", Cancellation);
        Assert.Equal(1, Figures.Sample(metrics, "gateway_sunra_calls_total", "operation=\"result\"", "status=\"403\""));
        Assert.Equal(1, Figures.Sample(metrics, "gateway_sunra_throttles_total", "operation=\"result\""));
        Assert.Equal(1, Figures.Sample(metrics, "gateway_sunra_held_back_total", "operation=\"result\"", "reason=\"paused\""));
        Assert.Equal(1, Figures.Sample(metrics, "gateway_sunra_held_back_total", "operation=\"cancel\"", "reason=\"paused\""));
    }

    [Fact]
    public async Task While_Sunra_throttles_status_polls_a_status_read_answers_the_last_known_status_with_its_age()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        using (var first = await Client.GetAsync($"/remix/{id}/status", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(TimeSpan.Zero, first.Headers.Age);
        }

        _clock.Advance(TimeSpan.FromSeconds(5));
        Sunra.Script.Enqueue(SunraOperation.Status, Throttle(resetSeconds: 60));

        for (var i = 0; i < 3; i++)
        {
            using var kept = await Client.GetAsync($"/remix/{id}/status", Cancellation);
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
            Assert.Equal("IN_QUEUE", (await kept.ReadJsonAsync()).GetProperty("status").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5 + i), kept.Headers.Age);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        // One status call reached Sunra and was throttled; the other reads did not call.
        Assert.Equal(2, SunraCalls.Count(call => call.PathAndQuery.Contains("/status", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_403_without_rate_limit_headers_is_still_refused_credentials()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        Sunra.Script.Enqueue(SunraOperation.Cancel, new Fault(403, """{"detail": "Invalid API key"}"""));

        using var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation);

        await cancel.AssertProblemAsync(502, "/problems/upstream-credentials");
    }

    [Fact]
    public async Task Throttles_in_a_row_never_open_the_circuit()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        CompleteEveryRemix();
        for (var i = 0; i < 12; i++)
        {
            Sunra.Script.Enqueue(SunraOperation.Result, Throttle(resetSeconds: 1));
            using var throttled = await Client.GetAsync($"/remix/{id}", Cancellation);
            await throttled.AssertProblemAsync(503, "/problems/upstream-throttled");
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        using var served = await Client.GetAsync($"/remix/{id}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    // Queued and run for an hour each: two hours on, every remix has completed, and every window and pause is over.
    private void CompleteEveryRemix() => _clock.Advance(TimeSpan.FromHours(2));

    private int SubmitsAtSunra => SunraCalls.Count(call => call.Method == "POST");

    private Task<HttpResponseMessage> SubmitAsync(string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("video_123", "one more")) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return Client.SendAsync(request, Cancellation);
    }

    private static Fault Throttle(int resetSeconds) => new(403, ThrottleBody)
    {
        Headers = new Dictionary<string, string>
        {
            ["x-ratelimit-limit"] = "1800",
            ["x-ratelimit-remaining"] = "0",
            ["x-ratelimit-reset"] = resetSeconds.ToString(CultureInfo.InvariantCulture),
        },
    };

}
