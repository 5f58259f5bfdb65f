using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Callbacks;

/// <summary>
/// A callback reaches the event streams, and the caller's webhook, at once. The gateway's clock stands still, so no timer of its
/// own (a poll, a stream's read, a heartbeat) can fire: whatever the streams learn, the callback told
/// them. Sunra runs on a clock of its own, which the test moves.
/// </summary>
public sealed class CallbackStreamTests : GatewayTest
{
    private const string Base = "http://127.0.0.1:9/edge";

    private readonly FakeTimeProvider _sunraClock;

    public CallbackStreamTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private CallbackStreamTests(FakeTimeProvider sunraClock)
        : base(
            emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromHours(1),
            clock: sunraClock,
            settings: new Dictionary<string, string?>
            {
                ["Sunra:CallbackBaseUrl"] = Base,
                ["Gateway:Defaults:ConcurrentStreams"] = "100",
                ["Gateway:Clients:orders:WebhookSecret"] = "orders-webhook-secret-callback-3d9a",
                ["Gateway:Webhooks:AllowedHosts:0"] = "127.0.0.1",
            },
            gatewayClock: new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero))) =>
        _sunraClock = sunraClock;

    [Fact]
    public async Task A_callback_brings_COMPLETED_to_every_stream_of_the_remix_at_once_for_one_status_call_and_one_result_read()
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var submit = Assert.Single(SunraCalls, call => call.Method == "POST");
        var token = CallbackUrls.TokenOf(submit);
        var streams = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => EventStream.OpenAsync(Client, id)));
        try
        {
            foreach (var stream in streams)
            {
                Assert.Equal("IN_QUEUE.0", (await stream.ReadAsync()).Id);
            }

            _sunraClock.Advance(TimeSpan.FromHours(2));
            var before = SunraCalls.Count;
            using var anonymous = Gateway.CreateClientWithKey(null);
            using (var callback = await anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json("{}"), Cancellation))
            {
                Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
            }

            foreach (var stream in streams)
            {
                var events = await stream.ReadEventsToEndAsync();
                Assert.Equal(["COMPLETED"], events.Select(frame => frame.Id));
            }

            var asked = SunraCalls.ToArray()[before..].Select(call => call.PathAndQuery.Split('?')[0]).ToArray();
            Assert.Equal([$"/v1/queue/requests/{id}/status", $"/v1/queue/requests/{id}"], asked.Select(path => path[path.IndexOf("/v1/queue/", StringComparison.Ordinal)..]));
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_callback_sends_the_callers_webhook_at_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["video_id"] = "video_123", ["prompt"] = "told at once", ["webhook_url"] = new Uri(receiver.Address, "hooks/done").ToString() });
        string id;
        using (var submit = await Client.PostAsync("/remix", Http.Json(body), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            id = (await submit.ReadJsonAsync()).GetProperty("request_id").GetString()!;
        }

        var token = CallbackUrls.TokenOf(Assert.Single(SunraCalls, call => call.Method == "POST"));
        _sunraClock.Advance(TimeSpan.FromHours(2));
        using var anonymous = Gateway.CreateClientWithKey(null);
        using (var callback = await anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json("{}"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        }

        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10), Cancellation);
        var webhook = Assert.Single(receiver.Received);
        Assert.Equal(id, webhook.Headers["X-Webhook-Id"]);
        Assert.Equal("COMPLETED", JsonDocument.Parse(webhook.Body).RootElement.GetProperty("status").GetString());
    }
}
