using System.Net;
using System.Text.Json;
using Gateway.State;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.SunraDoor;

/// <summary>
/// One core, three doors: an Idempotency-Key and a webhook mean the same on <c>/remix</c>, <c>/v1</c> and
/// the proxy. orders has a webhook secret and 127.0.0.1 is an allowed webhook host; billing has no secret.
/// </summary>
public sealed class SunraDoorRuleTests() : GatewayTest(
    emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200),
    settings: new Dictionary<string, string?>
    {
        ["Gateway:Clients:orders:WebhookSecret"] = "orders-webhook-secret-5f1c0e7a9b",
        ["Gateway:Webhooks:AllowedHosts:0"] = "127.0.0.1",
    })
{
    private const string Key = "2f0a7c5e-idempotent-across-doors";

    private static readonly string Body = Http.Remix("video_123", "The same scene at dusk");

    [Fact]
    public async Task An_Idempotency_Key_used_on_remix_answers_the_same_request_id_on_v1_and_through_the_proxy_and_buys_once()
    {
        using var remix = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Body) };
        remix.Headers.Add("Idempotency-Key", Key);
        using var v1 = new HttpRequestMessage(HttpMethod.Post, SunraWire.SubmitPath) { Content = Http.Json(Body) };
        v1.Headers.Add("Idempotency-Key", Key);
        using var proxied = SunraWire.Proxied("POST", SunraWire.SunraQueue + "openai/sora-2/video-to-video", Body);
        proxied.Headers.Add("Idempotency-Key", Key);
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

        using var first = await Client.SendAsync(remix, Cancellation);
        using var second = await sunraClient.SendAsync(v1, Cancellation);
        using var third = await sunraClient.SendAsync(proxied, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var id = (await first.ReadJsonAsync()).GetProperty("request_id").GetString();
        Assert.Equal(id, (await second.ReadJsonAsync()).GetProperty("request_id").GetString());
        Assert.Equal(id, (await third.ReadJsonAsync()).GetProperty("request_id").GetString());
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.Single(Sunra.Calls.All);
    }

    [Fact]
    public async Task An_Idempotency_Key_reused_for_another_body_or_malformed_is_refused_on_v1_as_on_remix()
    {
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);
        using var remix = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Body) };
        remix.Headers.Add("Idempotency-Key", Key);
        using var other = new HttpRequestMessage(HttpMethod.Post, SunraWire.SubmitPath) { Content = Http.Json(Http.Remix("video_123", "another prompt")) };
        other.Headers.Add("Idempotency-Key", Key);
        using var malformed = new HttpRequestMessage(HttpMethod.Post, SunraWire.SubmitPath) { Content = Http.Json(Body) };
        malformed.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));

        using var first = await Client.SendAsync(remix, Cancellation);
        using var reused = await sunraClient.SendAsync(other, Cancellation);
        using var invalid = await sunraClient.SendAsync(malformed, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var error = await reused.AssertSunraErrorAsync(422, "IDEMPOTENCY_KEY_REUSED");
        Assert.Equal("validation_error", error.GetProperty("type").GetString());
        await invalid.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Single(Sunra.Calls.All);
    }

    [Fact]
    public async Task A_webhook_the_JavaScript_client_sends_unencoded_keeps_its_own_query_and_is_delivered_signed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var hook = new Uri(receiver.Address, "hooks/done?token=a1&run=7").ToString();
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

        using var response = await sunraClient.PostAsync($"{SunraWire.SubmitPath}?webhook={hook}", Http.Json(Body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
        Assert.Equal(hook, await RegisteredWebhookAsync(id));
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(15), Cancellation);
        var webhook = receiver.Received.First();
        Assert.StartsWith("sha256=", webhook.Headers["X-Signature-256"], StringComparison.Ordinal);
        Assert.Equal(id, JsonDocument.Parse(webhook.Body).RootElement.GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("{0}?sunra_webhook={1}")]
    [InlineData("{0}?logs=1&webhook={1}")]
    public async Task A_webhook_sent_encoded_as_the_Java_and_Python_clients_do_is_registered_decoded(string form)
    {
        var hook = "http://127.0.0.1:9/hooks/done?token=a1&run=7";
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

        using var response = await sunraClient.PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, form, SunraWire.SubmitPath, Uri.EscapeDataString(hook)), Http.Json(Body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(hook, await RegisteredWebhookAsync((await response.ReadJsonAsync()).GetProperty("request_id").GetString()!));
    }

    [Theory]
    [InlineData("orders", "http://169.254.169.254/latest/meta-data")]
    [InlineData("orders", "https://hooks.example.com/done")]
    [InlineData("orders", "ftp://127.0.0.1/done")]
    [InlineData("billing", "http://127.0.0.1/done")]
    public async Task A_webhook_the_remix_door_would_refuse_is_refused_on_v1_and_through_the_proxy_before_Sunra_is_called(string caller, string hook)
    {
        using var client = Gateway.CreateClient().WithSunraKey(caller == "orders" ? GatewayFactory.OrdersKey : GatewayFactory.BillingKey);

        using var direct = await client.PostAsync($"{SunraWire.SubmitPath}?webhook={hook}", Http.Json(Body), Cancellation);
        using var proxied = await client.SendAsync(SunraWire.Proxied("POST", $"{SunraWire.SunraQueue}openai/sora-2/video-to-video?webhook={hook}", Body), Cancellation);

        var error = await direct.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.True(error.GetProperty("details").TryGetProperty("webhook_url", out _));
        await proxied.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal(0, Sunra.Calls.Count);
    }

    private async Task<string?> RegisteredWebhookAsync(string requestId)
    {
        var record = await Gateway.Services.GetRequiredService<IStateStore>().GetAsync("webhook:" + requestId);
        return record is null ? null : JsonDocument.Parse(record).RootElement.GetProperty("Url").GetString();
    }
}

/// <summary>
/// Limits count a caller's calls on every door together. The gateway's clock stands at 12:00:20 UTC.
/// billing: 3 submits a minute, 1 stream at once; orders: a daily quota of 2.
/// </summary>
public sealed class SunraDoorLimitTests() : GatewayTest(
    settings: new Dictionary<string, string?>
    {
        ["Gateway:Clients:billing:SubmitsPerMinute"] = "3",
        ["Gateway:Clients:billing:ConcurrentStreams"] = "1",
        ["Gateway:Clients:orders:DailySubmitQuota"] = "2",
    },
    gatewayClock: new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 20, TimeSpan.Zero)))
{
    private const string Submit = SunraWire.SunraQueue + "openai/sora-2/video-to-video";

    private static readonly string Body = Http.Remix("video_123", "The same scene at dusk");

    // What Sunra's clients read, in their order: limit, remaining, reset.
    private static readonly string[] RateLimitHeaderNames = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

    [Fact]
    public async Task Submits_per_minute_are_counted_across_the_three_doors_and_the_429_is_Sunra_shaped_with_Retry_After()
    {
        using var remix = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.BillingKey);

        using var first = await remix.PostAsync("/remix", Http.Json(Body), Cancellation);
        using var second = await sunraClient.PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);
        using var third = await sunraClient.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);
        using var fourth = await sunraClient.PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);
        using var fifth = await sunraClient.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.OK], [first.StatusCode, second.StatusCode, third.StatusCode]);
        var error = await fourth.AssertSunraErrorAsync(429, "RATE_LIMITED");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal(TimeSpan.FromSeconds(40), fourth.Headers.RetryAfter?.Delta);
        Assert.Equal(["3", "0", "40"], RateLimitHeaders(fourth));
        await fifth.AssertSunraErrorAsync(429, "RATE_LIMITED");
        Assert.Equal(3, Sunra.Calls.Count);
    }

    [Fact]
    public async Task The_daily_quota_is_one_budget_for_every_door()
    {
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

        using var first = await Client.PostAsync("/remix", Http.Json(Body), Cancellation);
        using var second = await sunraClient.PostAsync(SunraWire.SubmitPath, Http.Json(Body), Cancellation);
        using var third = await sunraClient.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await third.AssertSunraErrorAsync(429, "QUOTA_EXHAUSTED");
        Assert.Equal(new TimeSpan(11, 59, 40), third.Headers.RetryAfter?.Delta);
        Assert.Equal(["2", "0", "43180"], RateLimitHeaders(third));
        Assert.Equal(2, Sunra.Calls.Count);
    }

    [Fact]
    public async Task Streams_open_at_once_are_counted_across_the_doors()
    {
        using var remix = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);
        using var sunraClient = Gateway.CreateClient().WithSunraKey(GatewayFactory.BillingKey);
        var id = (await remix.SubmitAsync()).GetProperty("request_id").GetString()!;

        using var open = await remix.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        using var v1 = await sunraClient.GetAsync($"/v1/queue/requests/{id}/status/stream", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        using var proxied = await sunraClient.SendAsync(SunraWire.Proxied("GET", $"{SunraWire.SunraQueue}requests/{id}/status/stream"), HttpCompletionOption.ResponseHeadersRead, Cancellation);

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        await v1.AssertSunraErrorAsync(429, "RATE_LIMITED");
        await proxied.AssertSunraErrorAsync(429, "RATE_LIMITED");
        Assert.False(v1.Headers.Contains("x-ratelimit-limit"));
    }

    private static string[] RateLimitHeaders(HttpResponseMessage response) =>
        [.. RateLimitHeaderNames.Select(name => Assert.Single(response.Headers.GetValues(name)))];
}
