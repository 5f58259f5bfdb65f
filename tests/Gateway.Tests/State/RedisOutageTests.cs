using System.Net;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.State;

/// <summary>
/// Redis goes away under a running gateway, and comes back: the gateway answers clean 503s
/// meanwhile, never calls Sunra for a submit it cannot record, and heals by itself.
/// </summary>
[FullTier("a redis-server of its own")]
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);

    private RedisServer _redis = null!;
    private EmulatorServer _sunra = null!;
    private GatewayFactory _gateway = null!;
    private HttpClient _client = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync(Cancellation);
        _sunra = await EmulatorServer.StartAsync(options => options.ApiKey = GatewayFactory.SunraKey);
        _gateway = new GatewayFactory(_sunra, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = _redis.ConnectionString });
        _client = _gateway.CreateClientWithKey(GatewayFactory.OrdersKey);
    }

    [Fact]
    public async Task Without_Redis_the_gateway_is_not_ready_and_every_remix_route_is_a_clean_503_until_Redis_returns()
    {
        var id = (await _client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var callsBefore = _sunra.Calls.Count;

        await _redis.StopAsync();

        using (var ready = await _client.GetAsync("/health/ready", Cancellation))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var live = await _client.GetAsync("/health/live", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var routes = RemixRoutes.OnOneRemix.Select(route => (route.Method, Url: RemixRoutes.Path(route.Path, id))).Append(("POST", "/remix"));
        foreach (var (method, url) in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (url == "/remix")
            {
                request.Content = Http.Json(Http.Remix("v", "p"));
            }

            using var response = await _client.SendAsync(request, Cancellation);
            await response.AssertProblemAsync(503, "/problems/state-unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(callsBefore, _sunra.Calls.Count);

        await _redis.StartAsync(Cancellation);
        await EventuallyAsync(async () =>
        {
            using var ready = await _client.GetAsync("/health/ready", Cancellation);
            return ready.StatusCode == HttpStatusCode.OK;
        });

        using var submit = await _client.PostAsync("/remix", Http.Json(Http.Remix("v", "after")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
    }

    [Fact]
    public async Task A_remix_Sunra_accepts_while_Redis_goes_away_is_answered_202_and_recorded_when_Redis_returns()
    {
        _sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromSeconds(1) });
        var submit = _client.PostAsync("/remix", Http.Json(Http.Remix("v", "bought during the outage")), Cancellation);
        await EventuallyAsync(() => Task.FromResult(_sunra.Calls.Count == 1));
        await _redis.StopAsync();

        using var accepted = await submit;
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.ReadJsonAsync()).GetProperty("request_id").GetString()!;

        await _redis.StartAsync(Cancellation);
        await EventuallyAsync(async () =>
        {
            using var status = await _client.GetAsync($"/remix/{id}/status", Cancellation);
            return status.StatusCode == HttpStatusCode.OK;
        });
        Assert.Contains(_gateway.Logs.Events, e => e.RenderMessage().Contains($"record remix {id}", StringComparison.Ordinal) && e.RenderMessage().StartsWith("Wrote", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gateway_started_while_Redis_is_away_starts_unready_and_becomes_ready_when_it_returns()
    {
        await _redis.StopAsync();
        await using var gateway = new GatewayFactory(_sunra, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = _redis.ConnectionString });
        using var client = gateway.CreateClientWithKey(GatewayFactory.OrdersKey);

        using (var ready = await client.GetAsync("/health/ready", Cancellation))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        await _redis.StartAsync(Cancellation);
        await EventuallyAsync(async () =>
        {
            using var ready = await client.GetAsync("/health/ready", Cancellation);
            return ready.StatusCode == HttpStatusCode.OK;
        });
        var accepted = await client.SubmitAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/remix/{accepted.GetProperty("request_id").GetString()}/status", Cancellation)).StatusCode);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Recovery;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not true within {Recovery}.");
            await Task.Delay(200, Cancellation);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _sunra.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
