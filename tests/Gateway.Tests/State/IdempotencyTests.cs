using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.State;

/// <summary>Idempotency records in this process.</summary>
public sealed class InMemoryIdempotencyTests() : IdempotencyTests([]);

/// <summary>Idempotency records in Redis.</summary>
[FullTier("redis-server")]
public sealed class RedisIdempotencyTests(SharedRedis redis) : IdempotencyTests(redis.GatewaySettings());

/// <summary>
/// Idempotency-Key on POST /remix: a caller's retries get the original answer, and Sunra is paid once.
/// billing has a daily quota of 2 submits.
/// </summary>
public abstract class IdempotencyTests(Dictionary<string, string?> store) : GatewayTest(settings: new Dictionary<string, string?>(store)
{
    ["Sunra:TimeoutSeconds"] = "3",
    ["Gateway:Clients:billing:DailySubmitQuota"] = "2",
})
{
    private int SunraSubmits => Sunra.Calls.All.Count(call => call.Method == "POST");

    [Fact]
    public async Task A_repeated_request_with_the_same_key_gets_the_original_answer_and_Sunra_is_called_once()
    {
        using var first = await SubmitAsync(Client, "key-1", "make it rain");
        using var again = await SubmitAsync(Client, "key-1", "make it rain");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Cancellation), await again.Content.ReadAsStringAsync(Cancellation));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(again.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(1, SunraSubmits);
    }

    [Fact]
    public async Task A_dozen_identical_requests_at_once_buy_one_remix_and_all_get_its_request_id()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromMilliseconds(300) });

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            using var response = await SubmitAsync(Client, "burst", "one remix");
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Cancellation));
            return (await response.ReadJsonAsync()).GetProperty("request_id").GetString();
        })));

        Assert.Single(answers.Distinct());
        Assert.Equal(1, SunraSubmits);
        Assert.Equal(1, Sunra.Requests.Count);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_and_buys_nothing()
    {
        (await SubmitAsync(Client, "key-2", "first prompt")).Dispose();

        using var other = await SubmitAsync(Client, "key-2", "second prompt");

        var problem = await other.AssertProblemAsync(422, "/problems/idempotency-key-reused");
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, SunraSubmits);
    }

    [Fact]
    public async Task Fields_the_gateway_ignores_do_not_make_a_request_different()
    {
        (await SubmitAsync(Client, "key-3", "same")).Dispose();

        using var withExtra = await Client.SendAsync(Keyed("key-3", """{"video_id": "video_123", "prompt": "same", "seed": 7}"""), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, withExtra.StatusCode);
        Assert.Equal(1, SunraSubmits);
    }

    [Fact]
    public async Task Keys_belong_to_their_caller()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);

        using var orders = await SubmitAsync(Client, "shared-key", "same");
        using var theirs = await SubmitAsync(billing, "shared-key", "same");

        Assert.Equal(HttpStatusCode.Accepted, theirs.StatusCode);
        Assert.NotEqual(
            (await orders.ReadJsonAsync()).GetProperty("request_id").GetString(),
            (await theirs.ReadJsonAsync()).GetProperty("request_id").GetString());
        Assert.Equal(2, SunraSubmits);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("ключ")]
    public async Task A_key_that_is_not_visible_ASCII_is_a_400_naming_the_header(string key)
    {
        using var response = await SubmitAsync(Client, key, "p");

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(0, SunraSubmits);
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_a_400()
    {
        using var response = await SubmitAsync(Client, new string('k', 256), "p");

        await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.Equal(0, SunraSubmits);
    }

    [Fact]
    public async Task After_a_submit_whose_answer_was_lost_a_retry_is_told_the_outcome_is_unknown_and_nothing_is_bought_again()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Abort = true });

        using var lost = await SubmitAsync(Client, "key-lost", "p");
        using var retry = await SubmitAsync(Client, "key-lost", "p");

        var detail = (await lost.AssertProblemAsync(502, "/problems/upstream-unreachable")).GetProperty("detail").GetString();
        Assert.Contains("may still have accepted", detail, StringComparison.Ordinal);
        await retry.AssertProblemAsync(409, "/problems/idempotency-outcome-unknown");
        Assert.Equal(1, SunraSubmits);
        Assert.Equal(1, Sunra.Requests.Count);
    }

    [Fact]
    public async Task After_a_submit_that_timed_out_a_retry_is_told_the_outcome_is_unknown()
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromSeconds(6) });

        using var timedOut = await SubmitAsync(Client, "key-slow", "p");
        using var retry = await SubmitAsync(Client, "key-slow", "p");

        await timedOut.AssertProblemAsync(504, "/problems/upstream-timeout");
        await retry.AssertProblemAsync(409, "/problems/idempotency-outcome-unknown");
        Assert.Equal(1, SunraSubmits);
    }

    [Theory]
    [InlineData(422)]
    [InlineData(429)]
    public async Task After_Sunra_refused_a_submit_the_key_is_free_and_a_retry_submits(int status)
    {
        Sunra.Script.Enqueue(SunraOperation.Submit, new Fault(status, """{"detail": "not now"}"""));

        using var refused = await SubmitAsync(Client, "key-refused", "p");
        using var retry = await SubmitAsync(Client, "key-refused", "p");

        Assert.Equal(status == 429 ? 503 : 422, (int)refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, SunraSubmits);
    }

    [Fact]
    public async Task Replays_spend_no_quota()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        for (var i = 0; i < 4; i++)
        {
            using var replay = await SubmitAsync(billing, "billing-key", "p");
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        using var second = await SubmitAsync(billing, "billing-key-2", "p");
        using var third = await SubmitAsync(billing, "billing-key-3", "p");

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        await third.AssertProblemAsync(429, "/problems/quota-exhausted");
        Assert.Equal(2, SunraSubmits);
    }

    [Fact]
    public async Task A_replayed_remix_can_be_followed_like_the_original()
    {
        (await SubmitAsync(Client, "key-follow", "p")).Dispose();
        using var replay = await SubmitAsync(Client, "key-follow", "p");
        var accepted = await replay.ReadJsonAsync();

        using var status = await Client.GetAsync(accepted.GetProperty("status_url").GetString(), Cancellation);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(accepted.GetProperty("request_id").GetString(), (await status.ReadJsonAsync()).GetProperty("request_id").GetString());
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, string key, string prompt) =>
        client.SendAsync(Keyed(key, JsonSerializer.Serialize(new { video_id = "video_123", prompt })), Cancellation);

    private static HttpRequestMessage Keyed(string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(json) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }
}
