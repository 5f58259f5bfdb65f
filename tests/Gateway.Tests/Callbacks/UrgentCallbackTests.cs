using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Callbacks;

/// <summary>
/// A callback's question is urgent: with the polls' share of the budget spent (5 of Sunra's 10 other
/// calls a minute here), readers of a stale status get the status known before, but a callback still
/// has Sunra asked, within the whole budget. The gateway's clock stands still, so the budget's windows
/// do not slide; Sunra runs on a clock of its own.
/// </summary>
public sealed class UrgentCallbackTests : GatewayTest
{
    private const string Base = "http://127.0.0.1:9/edge";

    private readonly FakeTimeProvider _sunraClock;

    public UrgentCallbackTests()
        : this(new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero)))
    {
    }

    private UrgentCallbackTests(FakeTimeProvider sunraClock)
        : base(
            emulator: options => options.QueueTime = options.RunTime = TimeSpan.FromHours(1),
            clock: sunraClock,
            settings: new Dictionary<string, string?>
            {
                ["Sunra:CallbackBaseUrl"] = Base,
                ["Sunra:Limits:OtherCallsPerSecond"] = "100",
                ["Sunra:Limits:OtherCallsPerMinute"] = "10",
                ["Sunra:Limits:PollShare"] = "0.5",
            },
            gatewayClock: new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero))) =>
        _sunraClock = sunraClock;

    [Fact]
    public async Task With_the_polls_share_spent_a_callback_still_has_Sunra_asked_for_the_status_and_the_result()
    {
        var called = await SubmitAsync();
        var token = CallbackUrls.TokenOf(Assert.Single(SunraCalls, call => call.Method == "POST"));
        foreach (var other in new[] { await SubmitAsync(), await SubmitAsync(), await SubmitAsync(), await SubmitAsync(), await SubmitAsync() })
        {
            Assert.Equal("IN_QUEUE", await StatusAsync(other));
        }

        // The five polls spent the share: a read that finds the status stale gets the one known.
        var before = SunraCalls.Count;
        Assert.Equal("IN_QUEUE", await StatusAsync(called));
        Assert.Equal(before, SunraCalls.Count);

        _sunraClock.Advance(TimeSpan.FromHours(2));
        using var anonymous = Gateway.CreateClientWithKey(null);
        using (var callback = await anonymous.PostAsync($"/sunra/callbacks/{token}", Http.Json("{}"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        }

        Assert.Equal("COMPLETED", await StatusAsync(called));
        var asked = SunraCalls.ToArray()[before..].Select(call => call.PathAndQuery.Split('?')[0]).ToArray();
        Assert.Equal([$"/v1/queue/requests/{called}/status", $"/v1/queue/requests/{called}"], asked.Select(path => path[path.IndexOf("/v1/queue/", StringComparison.Ordinal)..]));
        using var result = await Client.GetAsync($"/remix/{called}", Cancellation);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
    }

    private async Task<string> SubmitAsync() => (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

    private async Task<string> StatusAsync(string id)
    {
        using var answer = await Client.GetAsync($"/remix/{id}/status", Cancellation);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.ReadJsonAsync()).GetProperty("status").GetString()!;
    }
}
