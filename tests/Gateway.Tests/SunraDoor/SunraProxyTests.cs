using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.SunraDoor;

/// <summary>
/// Sunra's client proxy protocol at <c>/api/sunra/proxy</c>: a target that is one of Sunra's queue URLs
/// for this endpoint is served as the same call on <c>/v1</c>; any other is refused, and nothing is sent.
/// The tests share one host: each counts only the calls Sunra got from it.
/// </summary>
public sealed class SunraProxyTests(SunraProxyTests.Host host) : GatewayTest(host), IClassFixture<SunraProxyTests.Host>
{
    /// <summary>An emulator that finishes a remix in 0.4 s.</summary>
    public sealed class Host() : GatewayHost(emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200));

    private const string Submit = SunraWire.SunraQueue + "openai/sora-2/video-to-video";

    private static readonly string Body = Http.Remix("video_123", "The same scene at dusk");

    private HttpClient? _orders;

    private HttpClient Orders => _orders ??= Gateway.CreateClient().WithSunraKey(GatewayFactory.OrdersKey);

    [Fact]
    public async Task A_proxied_queue_flow_is_served_like_v1_and_the_callers_key_never_reaches_Sunra()
    {
        using var submit = await Orders.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);
        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        var submitted = await submit.ReadJsonAsync();
        var id = submitted.GetProperty("request_id").GetString()!;
        Assert.Equal($"http://localhost/v1/queue/requests/{id}/status", submitted.GetProperty("status_url").GetString());

        string? state = null;
        for (var poll = 0; poll < 200 && state != "COMPLETED"; poll++)
        {
            await Task.Delay(50, Cancellation);
            using var status = await Orders.SendAsync(SunraWire.Proxied("GET", $"{SunraWire.SunraQueue}requests/{id}/status?logs=0"), Cancellation);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            state = (await status.ReadJsonAsync()).GetProperty("status").GetString();
        }

        using var result = await Orders.SendAsync(SunraWire.Proxied("GET", $"{SunraWire.SunraQueue}requests/{id}"), Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("video/mp4", (await result.ReadJsonAsync()).GetProperty("video").GetProperty("content_type").GetString());

        using var cancel = await Orders.SendAsync(SunraWire.Proxied("PUT", $"{SunraWire.SunraQueue}requests/{id}/cancel", "{}"), Cancellation);
        await cancel.AssertSunraErrorAsync(409, "NOT_CANCELLABLE");

        Assert.All(SunraCalls, call => Assert.Equal($"Key {GatewayFactory.SunraKey}", call.Authorization));
        Assert.DoesNotContain(SunraCalls, call => call.BodyText.Contains(GatewayFactory.OrdersKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_proxied_stream_is_Sunras_event_stream()
    {
        using var submit = await Orders.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);
        var id = (await submit.ReadJsonAsync()).GetProperty("request_id").GetString()!;

        using var stream = await Orders.SendAsync(SunraWire.Proxied("GET", $"{SunraWire.SunraQueue}requests/{id}/status/stream?logs=0"), Cancellation);

        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        var text = await stream.Content.ReadAsStringAsync(Cancellation);
        Assert.Contains("\"status\":\"COMPLETED\",\"success\":true", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "https://evil.example/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "http://api.sunra.ai/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://api.sunra.ai:8443/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://api.sunra.ai@evil.example/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://user:pass@api.sunra.ai/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://api.sunra.ai./v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://API.SUNRA.AI/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "//api.sunra.ai/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("POST", "https://api.sunra.ai/v1/queue/openai/sora-2/video-to-video#x")]
    [InlineData("GET", "https://api.sunra.ai/v1/admin")]
    [InlineData("GET", "https://api.sunra.ai/v2/queue/requests/pd_1/status")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/%2e%2e/%2e%2e/admin")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/.%2e/x")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/../../admin")]
    [InlineData("POST", "https://api.sunra.ai/v1/queue/requests/../openai/sora-2/video-to-video")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests\\..\\..\\x")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/pd_1%2f..%2f..%2fx/status")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue//requests/pd_1/status")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/pd.1/status")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/pd_1/logs")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/requests/pd_1/cancel")]
    [InlineData("PUT", "https://api.sunra.ai/v1/queue/requests/pd_1/status")]
    [InlineData("GET", "https://api.sunra.ai/v1/queue/openai/sora-2/video-to-video")]
    [InlineData("GET", "")]
    public async Task A_target_that_is_not_one_of_Sunras_queue_calls_here_is_refused_and_nothing_is_sent(string method, string target)
    {
        await OwnAsync("pd_1");

        using var response = await Orders.SendAsync(SunraWire.Proxied(method, target, method == "GET" ? null : Body), Cancellation);

        await response.AssertSunraErrorAsync(400, "PROXY_TARGET_REFUSED");
        Assert.Empty(SunraCalls);
    }

    [Theory]
    [InlineData("https://api.sunra.ai/v1/queue/openai/sora-2/text-to-video")]
    [InlineData("https://api.sunra.ai/v1/queue/fal-ai/flux/dev")]
    public async Task Another_endpoint_id_is_a_404_and_nothing_is_sent(string target)
    {
        using var response = await Orders.SendAsync(SunraWire.Proxied("POST", target, Body), Cancellation);

        await response.AssertSunraErrorAsync(404, "ENDPOINT_NOT_FOUND");
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task Without_a_target_header_or_with_two_the_call_is_refused()
    {
        using var none = new HttpRequestMessage(HttpMethod.Post, SunraWire.ProxyPath) { Content = Http.Json(Body) };
        using var two = SunraWire.Proxied("POST", Submit, Body);
        two.Headers.TryAddWithoutValidation("X-Sunra-Target-Url", Submit);

        using var withoutTarget = await Orders.SendAsync(none, Cancellation);
        using var withTwo = await Orders.SendAsync(two, Cancellation);

        await withoutTarget.AssertSunraErrorAsync(400, "PROXY_TARGET_REFUSED");
        await withTwo.AssertSunraErrorAsync(400, "PROXY_TARGET_REFUSED");
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task Without_a_caller_key_even_a_refused_target_is_a_401_and_a_good_one_sends_nothing()
    {
        using var anonymous = Gateway.CreateClient();

        using var refused = await anonymous.SendAsync(SunraWire.Proxied("GET", "https://evil.example/x"), Cancellation);
        using var good = await anonymous.SendAsync(SunraWire.Proxied("POST", Submit, Body), Cancellation);

        await refused.AssertSunraErrorAsync(401, "UNAUTHENTICATED");
        await good.AssertSunraErrorAsync(401, "UNAUTHENTICATED");
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task Another_callers_request_is_a_404_through_the_proxy_too()
    {
        await OwnAsync("pd_orders_1");
        using var billing = Gateway.CreateClient().WithSunraKey(GatewayFactory.BillingKey);

        using var response = await billing.SendAsync(SunraWire.Proxied("GET", $"{SunraWire.SunraQueue}requests/pd_orders_1/status"), Cancellation);

        await response.AssertSunraErrorAsync(404, "REMIX_NOT_FOUND");
        Assert.Empty(SunraCalls);
    }

    [Fact]
    public async Task Validation_is_the_same_through_the_proxy()
    {
        using var response = await Orders.SendAsync(SunraWire.Proxied("POST", Submit, """{"video_id":"","prompt":"p"}"""), Cancellation);

        var error = await response.AssertSunraErrorAsync(400, "INVALID_REQUEST");
        Assert.True(error.GetProperty("details").TryGetProperty("video_id", out _));
        Assert.Empty(SunraCalls);
    }
}
