using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Sunra's account limits as the deployed gateway lives within them: two published replicas share one
/// redis-server and spend one account, which the emulator limits as Sunra does, scaled down so that a
/// minute's budget is spent in seconds. Each test prints its figures (and keeps them in
/// artifacts/figures, where the test command shows them) and holds the gateway to the counts that must
/// be exact: no throttle where the gateway knows the limits, nothing but 200 to a status reader, no 5xx
/// to a submit.
/// </summary>
[FullTier("redis-server, nginx and the published gateway")]
public sealed class AccountBudgetReplicaTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static CultureInfo Invariant => CultureInfo.InvariantCulture;

    [Fact]
    public async Task A_flood_of_submits_on_both_replicas_buys_the_minutes_budget_without_one_throttle_and_every_other_answer_is_a_429_with_the_wait()
    {
        const int PerSecond = 4;
        const int PerMinute = 30;
        const int Flood = 48;
        const int Modest = 5;
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.Limits.SubmitsPerSecond = PerSecond;
                options.Limits.SubmitsPerMinute = PerMinute;
            },
            Settings(("Sunra__Limits__SubmitsPerSecond", PerSecond), ("Sunra__Limits__SubmitsPerMinute", PerMinute)),
            Cancellation);
        using var ordersOnA = set.Client(set.Replicas[0]);
        using var ordersOnB = set.Client(set.Replicas[1]);
        using var billingOnA = set.Client(set.Replicas[0], GatewayFactory.BillingKey);
        using var billingOnB = set.Client(set.Replicas[1], GatewayFactory.BillingKey);
        HttpClient[] orders = [ordersOnA, ordersOnB];
        HttpClient[] billing = [billingOnA, billingOnB];
        var answers = new ConcurrentQueue<SubmitAnswer>();

        // The flooding caller sends all it has at once, alternating replicas; billing sends one every
        // 4 s meanwhile. Both wait out every Retry-After and try again, until the minute is over.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(65);
        var flood = Enumerable.Range(0, Flood)
            .Select(i => SubmitHonouringRetryAfterAsync(orders[i % 2], $"flood {i}", deadline, answers))
            .ToArray();
        var modest = Enumerable.Range(0, Modest)
            .Select(async i =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1 + (4 * i)), Cancellation);
                return await SubmitHonouringRetryAfterAsync(billing[i % 2], $"billing {i}", deadline, answers);
            })
            .ToArray();
        var ordersBought = (await Task.WhenAll(flood)).OfType<string>().ToHashSet();
        var billingBought = (await Task.WhenAll(modest)).OfType<string>().ToHashSet();

        var bought = set.Sunra.Requests.All.OrderBy(request => request.SubmittedAt).ToList();
        var minuteEnds = bought[0].SubmittedAt + TimeSpan.FromMinutes(1);
        var firstMinute = bought.Where(request => request.SubmittedAt < minuteEnds).ToList();
        var refused = answers.Where(answer => answer.Status != HttpStatusCode.Accepted).ToList();
        var waits = refused.Select(answer => answer.RetryAfter?.TotalSeconds ?? 0).DefaultIfEmpty().ToList();
        Figures.Report(
            "account-budget-submit-burst.txt",
            $"Submit burst: orders sends {Flood} submits at once through both replicas, billing {Modest} (one every 4 s); both wait out each Retry-After and try again for 65 s",
            $"account limits {PerSecond}/s and {PerMinute}/min, at Sunra (the emulator) and in the gateway alike; the account's budget is first come, first served",
            $"first rolling minute at Sunra: bought {firstMinute.Count} of {PerMinute} (orders {firstMinute.Count(request => ordersBought.Contains(request.Id))}, billing {firstMinute.Count(request => billingBought.Contains(request.Id))})",
            $"within 65 s: orders bought {ordersBought.Count} of {Flood}, billing {billingBought.Count} of {Modest}; Sunra sold {bought.Count} in all",
            $"answers: {answers.Count - refused.Count} x 202, {refused.Count} x 429 /problems/account-budget-spent (Retry-After {waits.Min():0}-{waits.Max():0} s), {refused.Count(answer => answer.Status != HttpStatusCode.TooManyRequests)} other",
            $"Sunra's throttles (403): {set.Sunra.Limiter.Throttled}");

        Assert.Equal(0, set.Sunra.Limiter.Throttled);
        Assert.InRange(firstMinute.Count, PerMinute * 9 / 10, PerMinute);
        Assert.All(refused, answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.Equal("/problems/account-budget-spent", answer.ProblemType);
            Assert.True(answer.RetryAfter > TimeSpan.Zero, "A 429 without a Retry-After.");
        });

        // What Sunra sold is exactly what the callers were told they bought.
        Assert.Equal(bought.Select(request => request.Id).ToHashSet(), ordersBought.Union(billingBought).ToHashSet());
    }

    [Fact]
    public async Task Thirty_remixes_watched_four_times_a_second_on_both_replicas_stay_within_150_calls_a_minute_and_every_watcher_sees_each_completion()
    {
        const int Remixes = 30;
        const int OtherPerSecond = 10;
        const int OtherPerMinute = 150;
        var every = TimeSpan.FromMilliseconds(225);
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(5);
                options.RunTime = TimeSpan.FromSeconds(20);
                options.Limits.SubmitsPerSecond = 100;
                options.Limits.SubmitsPerMinute = 1000;
                options.Limits.OtherCallsPerSecond = OtherPerSecond;
                options.Limits.OtherCallsPerMinute = OtherPerMinute;
            },
            Settings(
                ("Sunra__Limits__SubmitsPerSecond", 100),
                ("Sunra__Limits__SubmitsPerMinute", 1000),
                ("Sunra__Limits__OtherCallsPerSecond", OtherPerSecond),
                ("Sunra__Limits__OtherCallsPerMinute", OtherPerMinute)),
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);
        HttpClient[] clients = [a, b];

        // Submitted 200 ms apart, so that they complete over six seconds; each watched at once on both replicas.
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        var watches = new List<Task<Watch>>();
        for (var i = 0; i < Remixes; i++)
        {
            var id = (await clients[i % 2].SubmitAsync(prompt: $"in flight {i}")).GetProperty("request_id").GetString()!;
            watches.AddRange(clients.Select(client => WatchAsync(client, id, every, giveUp, untilCompleted: true)));
            await Task.Delay(TimeSpan.FromMilliseconds(200), Cancellation);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Cancellation);
        var followed = await ScrapeAsync(set, set.Replicas[0], "gateway_polls_followed");
        var interval = await ScrapeAsync(set, set.Replicas[0], "gateway_polls_interval_seconds");
        var finished = await Task.WhenAll(watches);

        var ledger = set.Sunra.Requests;
        var late = finished
            .Where(watch => watch.SawCompletedAt is not null)
            .Select(watch => (watch.SawCompletedAt!.Value - ledger.CompletesAt(ledger.Find(watch.Id)!)).TotalSeconds)
            .Order()
            .ToList();
        var statusCalls = set.Sunra.Calls.All.Count(call => call.Method != "POST");
        var throttles = await SumAsync(set, "gateway_sunra_calls_total", "status=\"403\"");
        Figures.Report(
            "account-budget-remixes-in-flight.txt",
            $"Remixes in flight: {Remixes} remixes (5 s queued, 20 s running), each watched on both replicas by a poller every {every.TotalMilliseconds:0} ms",
            $"other calls {OtherPerSecond}/s and {OtherPerMinute}/min at Sunra and in the gateway (status polls may spend 0.8 of it: 2 a second)",
            $"the gateway followed {followed} remixes, each polled every {interval:0.0} s",
            $"{finished.Sum(watch => watch.Reads)} status reads by {finished.Length} watchers, {finished.Sum(watch => watch.Refusals.Count)} of them not 200; Sunra received {statusCalls} status calls, throttled {set.Sunra.Limiter.Throttled} (gateway: {throttles} answers 403)",
            $"{late.Count} of {finished.Length} watchers saw COMPLETED, after Sunra's completion by p50 {Figures.Percentile(late, 0.5):0.0} s, max {late.DefaultIfEmpty().Max():0.0} s");

        Assert.Equal(0, set.Sunra.Limiter.Throttled);
        Assert.Equal(0, throttles);
        Assert.All(finished, watch => Assert.Empty(watch.Refusals));
        Assert.All(finished, watch => Assert.NotNull(watch.SawCompletedAt));
        Assert.InRange(late.Max(), 0, 60);
    }

    [Fact]
    public async Task A_gateway_told_nothing_of_Sunras_tighter_limits_reads_its_403s_as_throttles_and_serves_watchers_the_status_it_knows()
    {
        const int AllowedPerMinute = 20;
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(12);
                options.Limits.OtherCallsPerSecond = 2;
                options.Limits.OtherCallsPerMinute = AllowedPerMinute;
            },
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);
        var ledger = set.Sunra.Requests;

        // A remix the gateway knows to be COMPLETED, whose result it has not read yet.
        var done = (await a.SubmitAsync(prompt: "done before the pause")).GetProperty("request_id").GetString()!;
        await DelayUntilAsync(ledger.CompletesAt(ledger.Find(done)!) + TimeSpan.FromMilliseconds(300));
        using (var status = await b.GetAsync($"/remix/{done}/status", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("COMPLETED", (await status.ReadJsonAsync()).GetProperty("status").GetString());
        }

        var watched = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            watched.Add((await (i % 2 == 0 ? a : b).SubmitAsync(prompt: $"watched {i}")).GetProperty("request_id").GetString()!);
        }

        var callsBefore = OtherCalls(set.Sunra);
        var throttledBefore = set.Sunra.Limiter.Throttled;
        var started = DateTimeOffset.UtcNow;
        var until = started + TimeSpan.FromSeconds(20);
        var watchers = (
            from id in watched
            from client in new[] { a, b, a, b }
            select WatchAsync(client, id, TimeSpan.FromMilliseconds(250), until, untilCompleted: false)).ToArray();
        var read = ReadResultInTheMinutesPauseAsync(set, AllowedPerMinute, a, done, until);
        var finished = await Task.WhenAll(watchers);
        var (result, readAfter) = await read;

        var calls = OtherCalls(set.Sunra) - callsBefore;
        var refusedBySunra = set.Sunra.Limiter.Throttled - throttledBefore;
        var throttles = await SumAsync(set, "gateway_sunra_throttles_total");
        var answered403 = await SumAsync(set, "gateway_sunra_calls_total", "status=\"403\"");
        var oldest = finished.Max(watch => watch.OldestAge);
        var reads = finished.Sum(watch => watch.Reads);
        Figures.Report(
            "account-budget-untold-limits.txt",
            $"Limits the gateway was not told: Sunra allows 2 other calls/s and {AllowedPerMinute}/min; the gateway has its defaults (100/s, 1,800/min)",
            $"{finished.Length} watchers polled {watched.Count} remixes every 250 ms for 20 s on both replicas: {reads} reads ({reads * 3} a minute), {finished.Sum(watch => watch.Refusals.Count)} not 200; the oldest status served was {oldest.TotalSeconds:0} s old (Age)",
            $"Sunra received {calls} status and result calls in those 20 s: {calls - refusedBySunra} allowed, {refusedBySunra} refused with its 403 (the issue's gateway: 578 calls in 15 s where Sunra allowed 20)",
            $"the gateway counted {throttles} throttles and {answered403} answers 403, all replicas, over the whole test (Sunra refused {set.Sunra.Limiter.Throttled})",
            $"a result read {readAfter.TotalSeconds:0.0} s in, once Sunra's minute was spent: {(int)result.Status} {result.ProblemType}, Retry-After {result.RetryAfter?.TotalSeconds:0} s");

        Assert.All(finished, watch => Assert.Empty(watch.Refusals));
        Assert.True(oldest >= TimeSpan.FromSeconds(5), $"The oldest status served was {oldest.TotalSeconds} s old: no pause was waited out.");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, result.Status);
        Assert.Equal("/problems/upstream-throttled", result.ProblemType);
        Assert.InRange(result.RetryAfter!.Value.TotalSeconds, 5, 61);

        // Every 403 was read as a throttle, none as refused credentials; and few were drawn: about one per
        // pause for Sunra's second, then one for its minute. What reached Sunra is what it allows and those.
        Assert.Equal(set.Sunra.Limiter.Throttled, (long)throttles);
        Assert.Equal(throttles, answered403);
        Assert.InRange(refusedBySunra, 1, 30);
        Assert.InRange(calls, 1, AllowedPerMinute + refusedBySunra);
    }

    [Fact]
    public async Task Five_subscribes_polling_every_100_ms_as_Sunras_Python_client_does_all_get_their_video_within_the_callers_default_limits()
    {
        const int Subscribes = 5;
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(22);
                options.Limits.Enforce = true;
            },
            new Dictionary<string, string?>
            {
                // As deployed: the caller's default limits (10 submits and 600 reads a minute) and a poll a second at most.
                ["Gateway__Defaults__SubmitsPerMinute"] = null,
                ["Gateway__Defaults__ReadsPerMinute"] = null,
                ["Gateway__Defaults__DailySubmitQuota"] = null,
                ["Sunra__StatusPollIntervalSeconds"] = null,
            },
            Cancellation);

        var runs = await Task.WhenAll(Enumerable.Range(0, Subscribes).Select(i => SubscribeAsync(set.Replicas[i % 2].Address, $"subscribe {i}")));

        var polls = runs.Sum(run => run.Polls);
        var longest = runs.Max(run => run.Polling);
        var statusCalls = set.Sunra.Calls.All.Count(call => call.PathAndQuery.Contains("/status", StringComparison.Ordinal));
        Figures.Report(
            "account-budget-python-subscribe.txt",
            $"Sunra's Python client: {Subscribes} subscribes at once by one caller (ReadsPerMinute 600, the default), each polling its status_url every 100 ms",
            $"{polls} status polls in {longest.TotalSeconds:0.0} s ({polls / longest.TotalMinutes:0} a minute), polling {runs.Min(run => run.Polling).TotalSeconds:0.0}-{longest.TotalSeconds:0.0} s each; every answer 2xx",
            $"Sunra received {statusCalls} status calls; throttled {set.Sunra.Limiter.Throttled}",
            $"results: {string.Join(", ", runs.Select(run => run.ContentType))}");

        Assert.All(runs, run => Assert.Equal("video/mp4", run.ContentType));
        Assert.All(runs, run => Assert.True(run.Polling > TimeSpan.FromSeconds(21), $"Polled for {run.Polling.TotalSeconds} s only."));
        Assert.Equal(0, set.Sunra.Limiter.Throttled);
    }

    /// <summary>
    /// A caller that honours Retry-After: on a 429 it waits as long as it is told and tries again, as
    /// long as the wait ends before <paramref name="deadline"/>. Every answer is kept.
    /// </summary>
    /// <returns>The request id it bought, or null.</returns>
    private static async Task<string?> SubmitHonouringRetryAfterAsync(HttpClient client, string prompt, DateTimeOffset deadline, ConcurrentQueue<SubmitAnswer> answers)
    {
        while (true)
        {
            using var response = await client.PostAsync("/remix", Http.Json(Http.Remix("video_123", prompt)), Cancellation);
            var body = await response.ReadJsonAsync();
            var wait = response.Headers.RetryAfter?.Delta;
            answers.Enqueue(new SubmitAnswer(response.StatusCode, body.TryGetProperty("type", out var type) ? type.GetString() : null, wait));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return body.GetProperty("request_id").GetString();
            }

            if (response.StatusCode != HttpStatusCode.TooManyRequests || wait is not { } delay || DateTimeOffset.UtcNow + delay > deadline)
            {
                return null;
            }

            await Task.Delay(delay, Cancellation);
        }
    }

    /// <summary>Reads the remix's status every <paramref name="every"/> until <paramref name="until"/> (or its completion), keeping what it was answered.</summary>
    private static async Task<Watch> WatchAsync(HttpClient client, string id, TimeSpan every, DateTimeOffset until, bool untilCompleted)
    {
        var watch = new Watch(id);
        while (DateTimeOffset.UtcNow < until)
        {
            using var response = await client.GetAsync($"/remix/{id}/status", Cancellation);
            watch.Reads++;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                watch.Refusals.Add((int)response.StatusCode);
            }
            else
            {
                if (response.Headers.Age is { } age && age > watch.OldestAge)
                {
                    watch.OldestAge = age;
                }

                if ((await response.ReadJsonAsync()).GetProperty("status").GetString() == "COMPLETED" && watch.SawCompletedAt is null)
                {
                    watch.SawCompletedAt = DateTimeOffset.UtcNow;
                    if (untilCompleted)
                    {
                        break;
                    }
                }
            }

            await Task.Delay(every, Cancellation);
        }

        return watch;
    }

    /// <summary>
    /// Waits until Sunra has allowed the other calls of its minute (the test runs within a minute of the
    /// first), after which its next call is refused and pauses the gateway for the rest of that minute;
    /// then reads the completed remix's result, which the gateway has not fetched yet.
    /// </summary>
    private static async Task<(SubmitAnswer Answer, TimeSpan After)> ReadResultInTheMinutesPauseAsync(ReplicaSet set, int allowed, HttpClient client, string id, DateTimeOffset until)
    {
        var started = DateTimeOffset.UtcNow;
        await WaitForAsync(() => OtherCalls(set.Sunra) - set.Sunra.Limiter.Throttled >= allowed, until, "Sunra never allowed its minute's calls.");

        // Longer than a pause for Sunra's second lasts: by then the pollers have called again and been
        // refused for the minute, unless a call was refused for it already.
        await Task.Delay(TimeSpan.FromSeconds(1.5), Cancellation);
        Assert.True(OtherCalls(set.Sunra) - set.Sunra.Limiter.Throttled >= allowed, "A call counted as allowed was refused after all.");

        var after = DateTimeOffset.UtcNow - started;
        using var response = await client.GetAsync($"/remix/{id}", Cancellation);
        var body = await response.ReadJsonAsync();
        return (new SubmitAnswer(response.StatusCode, body.TryGetProperty("type", out var type) ? type.GetString() : null, response.Headers.RetryAfter?.Delta), after);
    }

    /// <summary>
    /// <c>subscribe</c> of Sunra's Python client (sunra_client 0.4.1, <c>SyncClient.subscribe</c>): submit
    /// (with <c>?logs=1</c>, its default), then <c>get</c>: the answer's <c>status_url</c> every 100 ms
    /// (<c>iter_events</c>) until COMPLETED, then its <c>response_url</c>. Its key goes as <c>Bearer</c>.
    /// Any answer but a 2xx ends it, as <c>_raise_for_status</c> raises (after three immediate tries of a
    /// 429 or 5xx, which would not help here either).
    /// </summary>
    private static async Task<Subscription> SubscribeAsync(Uri gateway, string prompt)
    {
        using var client = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFactory.OrdersKey);

        using var submitted = await client.PostAsync(SunraWire.SubmitPath + "?logs=1", Http.Json(Http.Remix("video_123", prompt)), Cancellation);
        var handle = await RaiseForStatusAsync(submitted);
        var statusUrl = handle.GetProperty("status_url").GetString()!;
        var responseUrl = handle.GetProperty("response_url").GetString()!;

        var polls = 0;
        var polling = DateTimeOffset.UtcNow;
        while (true)
        {
            using var status = await client.GetAsync(statusUrl, Cancellation);
            polls++;
            if ((await RaiseForStatusAsync(status)).GetProperty("status").GetString() == "COMPLETED")
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Cancellation);
        }

        var polled = DateTimeOffset.UtcNow - polling;
        using var result = await client.GetAsync(responseUrl, Cancellation);
        var video = (await RaiseForStatusAsync(result)).GetProperty("video");
        return new Subscription(polls, polled, video.GetProperty("content_type").GetString());
    }

    private static async Task<System.Text.Json.JsonElement> RaiseForStatusAsync(HttpResponseMessage response)
    {
        var body = await response.ReadJsonAsync();
        if (!response.IsSuccessStatusCode)
        {
            var code = body.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var named) ? named.GetString() : null;
            Assert.Fail($"SunraClientError: {(int)response.StatusCode} {code} on {response.RequestMessage?.RequestUri}");
        }

        return body;
    }

    private static long OtherCalls(EmulatorServer sunra) => sunra.Calls.All.Count(call => call.Method != "POST");

    private static async Task DelayUntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, Cancellation);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, DateTimeOffset until, string failure)
    {
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < until, failure);
            await Task.Delay(TimeSpan.FromMilliseconds(50), Cancellation);
        }
    }

    /// <summary>The sum of a metric's samples (those with all the labels given) over every replica's <c>/metrics</c>.</summary>
    private static async Task<double> SumAsync(ReplicaSet set, string metric, params string[] labels)
    {
        var sum = 0.0;
        foreach (var replica in set.Replicas)
        {
            sum += await ScrapeAsync(set, replica, metric, labels);
        }

        return sum;
    }

    /// <summary>The sum of a metric's samples with all the labels given, as one replica's <c>/metrics</c> has them.</summary>
    private static async Task<double> ScrapeAsync(ReplicaSet set, GatewayProcess replica, string metric, params string[] labels)
    {
        using var client = set.Client(replica);
        var scrape = await client.GetStringAsync("/metrics", Cancellation);
        return scrape.Split('\n')
            .Where(line => (line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
                && labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line.Split(' ')[^1], Invariant));
    }

    private static Dictionary<string, string?> Settings(params (string Name, int Value)[] settings) =>
        settings.ToDictionary(setting => setting.Name, setting => (string?)setting.Value.ToString(Invariant));



    private sealed record SubmitAnswer(HttpStatusCode Status, string? ProblemType, TimeSpan? RetryAfter);

    private sealed record Subscription(int Polls, TimeSpan Polling, string? ContentType);

    /// <summary>What one watcher of one remix was answered; touched by its own task only.</summary>
    private sealed class Watch(string id)
    {
        public string Id => id;

        public int Reads { get; set; }

        /// <summary>The status codes of the answers that were not 200.</summary>
        public List<int> Refusals { get; } = [];

        /// <summary>The largest <c>Age</c> of a status answered.</summary>
        public TimeSpan OldestAge { get; set; }

        public DateTimeOffset? SawCompletedAt { get; set; }
    }
}
