using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Callers;

/// <summary>Limits kept in this process, for a single replica.</summary>
public sealed class InMemoryLimitTests() : LimitTests([]);

/// <summary>Limits kept in Redis, shared by every replica.</summary>
[FullTier("redis-server")]
public sealed class RedisLimitTests(SharedRedis redis) : LimitTests(redis.GatewaySettings());

/// <summary>
/// orders: 3 submits and 5 reads a minute. billing: a daily quota of 4 submits, 2 streams at once.
/// Windows are aligned to the clock, so the gateway's clock stands still at 12:00:20 UTC unless a
/// test moves it: no test straddles two windows by chance.
/// </summary>
public abstract class LimitTests : GatewayTest
{
    private readonly FakeTimeProvider _clock;

    protected LimitTests(Dictionary<string, string?> store)
        : this(store, new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 20, TimeSpan.Zero)))
    {
    }

    private LimitTests(Dictionary<string, string?> store, FakeTimeProvider clock)
        : base(
            settings: new Dictionary<string, string?>(store)
            {
                ["Gateway:Clients:orders:SubmitsPerMinute"] = "3",
                ["Gateway:Clients:orders:ReadsPerMinute"] = "5",
                ["Gateway:Clients:billing:DailySubmitQuota"] = "4",
                ["Gateway:Clients:billing:ConcurrentStreams"] = "2",
            },
            gatewayClock: clock)
    {
        _clock = clock;
    }

    [Fact]
    public async Task Event_streams_open_at_once_are_capped_and_a_closed_one_frees_its_place()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        var id = (await billing.SubmitAsync()).GetProperty("request_id").GetString()!;

        var first = await billing.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        using var second = await billing.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        using (var third = await billing.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            await third.AssertProblemAsync(429, "/problems/rate-limited");
        }

        first.Dispose();
        using var again = await RetryUntilAsync(() => billing.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    // The server sees a closed stream a moment after the client drops it.
    private static async Task<HttpResponseMessage> RetryUntilAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 50)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100, Cancellation);
        }
    }

    [Fact]
    public async Task Exactly_the_submits_per_minute_are_accepted_then_429_with_Retry_After()
    {
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", $"p{i}")), Cancellation);
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await response.AssertProblemAsync(429, "/problems/rate-limited");
                Assert.Equal(TimeSpan.FromSeconds(40), response.Headers.RetryAfter?.Delta);
            }
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(3, Sunra.Calls.Count);

        _clock.Advance(TimeSpan.FromSeconds(40));
        using var nextMinute = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "next minute")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, nextMinute.StatusCode);
    }

    [Fact]
    public async Task One_callers_limit_does_not_touch_another_caller()
    {
        for (var i = 0; i < 3; i++)
        {
            await Client.SubmitAsync();
        }

        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        using var response = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Reads_have_their_own_limit()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await Client.GetAsync($"/remix/{id}", Cancellation);
            answers.Add(response.StatusCode);
        }

        Assert.Equal(5, answers.Count(a => a != HttpStatusCode.TooManyRequests));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers[5..]);
        using var submit = await Client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
    }

    [Fact]
    public async Task Status_reads_are_never_refused_for_their_rate_but_status_with_logs_counts_as_a_read()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        for (var i = 0; i < 20; i++)
        {
            using var status = await Client.GetAsync($"/remix/{id}/status", Cancellation);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        var withLogs = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await Client.GetAsync($"/remix/{id}/status?logs=true", Cancellation);
            withLogs.Add(response.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]), withLogs);
        using var plain = await Client.GetAsync($"/remix/{id}/status", Cancellation);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Exactly_the_daily_quota_is_accepted_then_429_says_the_quota_is_spent()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        var accepted = 0;
        for (var i = 0; i < 6; i++)
        {
            using var response = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", $"p{i}")), Cancellation);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted++;
                continue;
            }

            var problem = await response.AssertProblemAsync(429, "/problems/quota-exhausted");
            Assert.Contains("daily quota", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(new TimeSpan(11, 59, 40), response.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(4, accepted);
        Assert.Equal(4, Sunra.Calls.Count);

        _clock.Advance(new TimeSpan(11, 59, 40));
        using var nextDay = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", "next day")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, nextDay.StatusCode);
    }

    [Fact]
    public async Task A_submit_that_Sunra_refuses_gives_its_quota_back()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        Sunra.Script.Enqueue(global::Sunra.Emulator.SunraOperation.Submit, new global::Sunra.Emulator.Fault(422, """{"detail": "no such video"}"""), times: 3);
        for (var i = 0; i < 3; i++)
        {
            using var refused = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
            await refused.AssertProblemAsync(422, "/problems/upstream-rejected-input");
        }

        var accepted = 0;
        for (var i = 0; i < 5; i++)
        {
            using var response = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
            accepted += response.StatusCode == HttpStatusCode.Accepted ? 1 : 0;
        }

        Assert.Equal(4, accepted);
    }

    [Fact]
    public async Task Refused_requests_spend_no_quota()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        for (var i = 0; i < 3; i++)
        {
            (await billing.PostAsync("/remix", Http.Json("""{"video_id": ""}"""), Cancellation)).Dispose();
        }

        var accepted = 0;
        for (var i = 0; i < 5; i++)
        {
            using var response = await billing.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
            accepted += response.StatusCode == HttpStatusCode.Accepted ? 1 : 0;
        }

        Assert.Equal(4, accepted);
    }
}
