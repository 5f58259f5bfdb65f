using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Two published gateways share one Redis behind nginx, all real processes on loopback: together they
/// behave as one gateway, buy no remix twice and forget none.
/// </summary>
[FullTier("redis-server, nginx and the published gateway")]
public sealed class MultiReplicaTests : IAsyncLifetime
{
    private ReplicaSet _set = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private GatewayProcess A => _set.Replicas[0];

    private GatewayProcess B => _set.Replicas[1];

    public async ValueTask InitializeAsync() =>
        _set = await ReplicaSet.StartAsync(2, options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(400), Cancellation);

    public ValueTask DisposeAsync() => _set.DisposeAsync();

    [Fact]
    public async Task A_remix_accepted_by_one_replica_is_followed_fetched_and_canceled_through_the_other()
    {
        using var a = _set.Client(A);
        using var b = _set.Client(B);
        var id = (await a.SubmitAsync()).GetProperty("request_id").GetString()!;

        using (var status = await b.GetAsync($"/remix/{id}/status", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using (var events = await b.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation))
        {
            var last = "";
            await foreach (var item in SseParser.Create(await events.Content.ReadAsStreamAsync(Cancellation)).EnumerateAsync(Cancellation))
            {
                last = JsonDocument.Parse(item.Data).RootElement.GetProperty("status").GetString()!;
            }

            Assert.Equal("COMPLETED", last);
        }

        using (var result = await b.GetAsync($"/remix/{id}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
            Assert.Equal("video/mp4", (await result.ReadJsonAsync()).GetProperty("video").GetProperty("content_type").GetString());
        }

        var second = (await a.SubmitAsync(prompt: "to cancel")).GetProperty("request_id").GetString()!;
        using (var cancel = await b.PostAsync($"/remix/{second}/cancel", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        using var billing = _set.Client(B, GatewayFactory.BillingKey);
        using var theirs = await billing.GetAsync($"/remix/{id}/status", Cancellation);
        await theirs.AssertProblemAsync(404, "/problems/remix-not-found");
    }

    [Fact]
    public async Task An_idempotency_key_used_on_one_replica_is_honoured_by_the_other()
    {
        using var a = _set.Client(A);
        using var b = _set.Client(B);

        using var first = await a.SendAsync(Keyed("cross-replica", "p"), Cancellation);
        using var again = await b.SendAsync(Keyed("cross-replica", "p"), Cancellation);
        using var otherBody = await b.SendAsync(Keyed("cross-replica", "another prompt"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(RequestIdOf(await first.ReadJsonAsync()), RequestIdOf(await again.ReadJsonAsync()));
        await otherBody.AssertProblemAsync(422, "/problems/idempotency-key-reused");
        Assert.Equal(1, _set.Sunra.Requests.Count);
    }

    [Fact]
    public async Task A_callers_quota_is_counted_across_replicas()
    {
        using var a = _set.Client(A, ReplicaSet.QuotaCallerKey);
        using var b = _set.Client(B, ReplicaSet.QuotaCallerKey);

        var answers = new List<HttpStatusCode>();
        foreach (var client in new[] { a, b, a, b, a })
        {
            using var response = await client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
            answers.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(3, _set.Sunra.Requests.Count);
    }

    [Fact]
    public async Task A_dozen_identical_requests_through_the_load_balancer_buy_one_remix()
    {
        _set.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromMilliseconds(500) });
        using var client = _set.Client(null);

        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var response = await client.SendAsync(Keyed("burst", "one remix"), Cancellation);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return RequestIdOf(await response.ReadJsonAsync());
        }));

        Assert.Single(ids.Distinct());
        Assert.Equal(1, _set.Sunra.Requests.Count);
        Assert.Equal(1, _set.Sunra.Calls.All.Count(call => call.Method == "POST"));
        var served = _set.Balancer.AccessLog;
        Assert.Contains(A.Address.Authority, served, StringComparison.Ordinal);
        Assert.Contains(B.Address.Authority, served, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_killed_mid_run_loses_no_remix_and_buys_none_twice()
    {
        // Every submit takes Sunra a moment, so that the kill finds submits in flight.
        _set.Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromMilliseconds(200) }, times: 24);
        using var client = _set.Client(null);
        var killer = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);
            A.Kill();
        }, Cancellation);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            var ids = new List<string?>();
            for (var i = 0; i < 12; i++)
            {
                ids.Add(await SubmitWithRetriesAsync(client, $"kill-{worker}-{i}", $"remix {worker}-{i}"));
            }

            return ids;
        }, Cancellation)));
        await killer;

        var accepted = outcomes.SelectMany(ids => ids).OfType<string>().ToList();
        var unknown = outcomes.Sum(ids => ids.Count(id => id is null));
        foreach (var id in accepted)
        {
            using var status = await client.GetAsync($"/remix/{id}/status", Cancellation);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        var bought = _set.Sunra.Requests.All;
        TestContext.Current.TestOutputHelper?.WriteLine($"accepted {accepted.Count}, outcome unknown {unknown}, bought by Sunra {bought.Count}");
        Assert.Equal(24 - unknown, accepted.Distinct().Count());
        Assert.Equal(bought.Count, bought.Select(request => request.Prompt).Distinct().Count());
        Assert.Subset(bought.Select(request => request.Id).ToHashSet(), accepted.ToHashSet());
        Assert.InRange(bought.Count - accepted.Count, 0, unknown);
    }

    [Fact]
    public async Task A_webhook_outlives_the_replica_that_accepted_its_remix_and_is_delivered_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answers.Enqueue(500);
        using var a = _set.Client(A);
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["video_id"] = "v", ["prompt"] = "tell me", ["webhook_url"] = receiver.Address.ToString() });

        using var accepted = await a.PostAsync("/remix", Http.Json(body), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        A.Kill();

        await receiver.WaitForAsync(2, TimeSpan.FromSeconds(20), Cancellation);
        await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);
        Assert.Equal([500, 200], receiver.Received.Select(webhook => webhook.AnsweredWith));
        Assert.Equal(RequestIdOf(await accepted.ReadJsonAsync()), receiver.Received.Last().Headers["X-Webhook-Id"]);
    }

    [Fact]
    public async Task Without_Redis_every_replica_answers_clean_503s_calls_no_Sunra_and_recovers_by_itself()
    {
        using var client = _set.Client(null);
        var id = (await client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var calls = _set.Sunra.Calls.Count;

        await _set.Redis.StopAsync();

        foreach (var replica in _set.Replicas)
        {
            using var direct = _set.Client(replica);
            using var ready = await direct.GetAsync("/health/ready", Cancellation);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using var submit = await direct.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation);
            await submit.AssertProblemAsync(503, "/problems/state-unavailable");
            using var status = await direct.GetAsync($"/remix/{id}/status", Cancellation);
            await status.AssertProblemAsync(503, "/problems/state-unavailable");
        }

        Assert.Equal(calls, _set.Sunra.Calls.Count);

        await _set.Redis.StartAsync(Cancellation);
        foreach (var replica in _set.Replicas)
        {
            await replica.WaitUntilReadyAsync(Cancellation);
        }

        using var after = await client.PostAsync("/remix", Http.Json(Http.Remix("v", "after")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    // As a careful caller does: the same key on every retry, retried on what may be passing.
    // Null when the gateway says the first try's outcome cannot be known.
    private static async Task<string?> SubmitWithRetriesAsync(HttpClient client, string key, string prompt)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await client.SendAsync(Keyed(key, prompt), Cancellation);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return RequestIdOf(await response.ReadJsonAsync());
                }

                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    await response.AssertProblemAsync(409, "/problems/idempotency-outcome-unknown");
                    return null;
                }

                Assert.True((int)response.StatusCode is 502 or 503 or 504, $"Unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(attempt < 20, $"{key} was not settled after 20 tries.");
            await Task.Delay(250, Cancellation);
        }
    }

    private static HttpRequestMessage Keyed(string key, string prompt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("video_123", prompt)) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static string RequestIdOf(JsonElement accepted) => accepted.GetProperty("request_id").GetString()!;
}
