using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Delivery;

/// <summary>Webhooks in this process's store.</summary>
public sealed class InMemoryWebhookTests() : WebhookTests([]);

/// <summary>Webhooks in Redis.</summary>
[FullTier("redis-server")]
public sealed class RedisWebhookTests(SharedRedis redis) : WebhookTests(redis.GatewaySettings());

/// <summary>
/// Signed webhooks to a loopback receiver: sent once the remix is final, retried until a 2xx and then
/// never again, and only ever to a host the operators allowed. orders has a webhook secret; billing has none.
/// </summary>
public abstract class WebhookTests(Dictionary<string, string?> store) : GatewayTest(
    emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(200),
    settings: new Dictionary<string, string?>(store)
    {
        ["Gateway:Clients:orders:WebhookSecret"] = Secret,
        ["Gateway:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Gateway:Webhooks:AllowedHosts:1"] = "169.254.169.254",
        ["Gateway:Webhooks:FirstRetrySeconds"] = "0.1",
    })
{
    private const string Secret = "orders-webhook-secret-5f1c0e7a9b";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_completed_remix_is_posted_once_signed_with_the_callers_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        var id = await SubmitAsync(new Uri(receiver.Address, "hooks/done"));
        await receiver.WaitForAsync(1, Within, Cancellation);
        await Task.Delay(500, Cancellation);

        var webhook = Assert.Single(receiver.Received);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), webhook.Body));
        Assert.Equal(expected, webhook.Headers["X-Signature-256"]);
        Assert.Equal(id, webhook.Headers["X-Webhook-Id"]);
        Assert.StartsWith("application/json", webhook.Headers["Content-Type"], StringComparison.Ordinal);
        var body = JsonDocument.Parse(webhook.Body).RootElement;
        Assert.Equal(id, body.GetProperty("request_id").GetString());
        Assert.Equal("COMPLETED", body.GetProperty("status").GetString());
        Assert.Equal("video/mp4", body.GetProperty("video").GetProperty("content_type").GetString());
        Assert.False(body.TryGetProperty("error", out _));
        Assert.Equal(long.Parse(webhook.Headers["X-Signature-Timestamp"], System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("timestamp").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.InRange(DateTimeOffset.UtcNow - body.GetProperty("timestamp").GetDateTimeOffset(), TimeSpan.Zero, Within);
    }

    [Fact]
    public async Task A_receiver_that_fails_is_tried_again_until_it_answers_2xx_and_then_never_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answers.Enqueue(500);
        receiver.Answers.Enqueue(503);

        await SubmitAsync(receiver.Address);
        await receiver.WaitForAsync(3, Within, Cancellation);
        await Task.Delay(1000, Cancellation);

        Assert.Equal([500, 503, 200], receiver.Received.Select(w => w.AnsweredWith));
    }

    [Fact]
    public async Task A_failed_generation_is_posted_with_its_error_and_no_video()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        Sunra.Requests.FailNextGeneration("content_policy", "The prompt was refused.");

        await SubmitAsync(receiver.Address);
        await receiver.WaitForAsync(1, Within, Cancellation);

        var body = JsonDocument.Parse(receiver.Received.First().Body).RootElement;
        Assert.Equal("COMPLETED", body.GetProperty("status").GetString());
        Assert.Equal("The prompt was refused.", body.GetProperty("error").GetProperty("message").GetString());
        Assert.False(body.TryGetProperty("video", out _));
    }

    [Fact]
    public async Task A_canceled_remix_is_posted_as_CANCELED()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        var id = await SubmitAsync(receiver.Address);
        using (var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await receiver.WaitForAsync(1, Within, Cancellation);
        Assert.Equal("CANCELED", JsonDocument.Parse(receiver.Received.First().Body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_repeated_submit_with_the_same_key_gets_one_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Body(receiver.Address.ToString())) };
            request.Headers.Add("Idempotency-Key", "webhook-once");
            using var response = await Client.SendAsync(request, Cancellation);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await receiver.WaitForAsync(1, Within, Cancellation);
        await Task.Delay(1000, Cancellation);
        Assert.Single(receiver.Received);
    }

    [Theory]
    [InlineData("http://metadata.internal/latest", "allowed")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://10.0.0.7/hook", "allowed")]
    [InlineData("file:///etc/passwd", "http or https")]
    [InlineData("ftp://127.0.0.1/hook", "http or https")]
    [InlineData("not a url", "http or https")]
    [InlineData("/relative/hook", "http or https")]
    [InlineData("http://user:pass@127.0.0.1/hook", "credentials")]
    public async Task A_webhook_url_the_gateway_may_not_call_is_a_400_naming_it_and_nothing_is_bought(string url, string reason)
    {
        using var response = await Client.PostAsync("/remix", Http.Json(Body(url)), Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty("webhook_url")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_caller_without_a_webhook_secret_cannot_ask_for_webhooks()
    {
        using var billing = Gateway.CreateClientWithKey(GatewayFactory.BillingKey);

        using var response = await billing.PostAsync("/remix", Http.Json(Body("http://127.0.0.1/hook")), Cancellation);

        var problem = await response.AssertProblemAsync(400, "/problems/invalid-request");
        Assert.Contains("WebhookSecret", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Sunra.Calls.Count);
    }

    [Fact]
    public async Task The_webhook_url_is_never_sent_to_Sunra()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        await SubmitAsync(receiver.Address);

        var submit = Assert.Single(Sunra.Calls.All, call => call.Method == "POST");
        Assert.Equal("""{"video_id":"video_123","prompt":"with a webhook"}""", submit.BodyText);
    }

    private async Task<string> SubmitAsync(Uri webhook)
    {
        using var response = await Client.PostAsync("/remix", Http.Json(Body(webhook.ToString())), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("request_id").GetString()!;
    }

    private static string Body(string webhookUrl) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["video_id"] = "video_123", ["prompt"] = "with a webhook", ["webhook_url"] = webhookUrl });
}
