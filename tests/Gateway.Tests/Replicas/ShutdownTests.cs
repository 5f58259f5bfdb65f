using System.Diagnostics;
using System.Net;
using Gateway.Callers;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>SIGTERM, as a container runtime sends it: finish what is in flight, take nothing new, exit 0.</summary>
[FullTier("the published gateway")]
public sealed class ShutdownTests : IAsyncLifetime
{
    private EmulatorServer _sunra = null!;
    private GatewayProcess _gateway = null!;
    private HttpClient _client = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(options =>
        {
            options.ApiKey = GatewayFactory.SunraKey;
            options.QueueTime = TimeSpan.FromMinutes(10);
        });
        _gateway = GatewayProcess.Start(
            await PublishedGateway.PathAsync(Cancellation),
            [],
            GatewayProcess.EnvironmentFor(_sunra, ("Sunra__StatusPollIntervalSeconds", "0.1")));
        await _gateway.WaitUntilReadyAsync(Cancellation);
        _client = new HttpClient { BaseAddress = _gateway.Address };
        _client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, GatewayFactory.OrdersKey);
    }

    [Fact]
    public async Task On_SIGTERM_a_submit_in_flight_is_answered_new_connections_are_refused_and_the_exit_code_is_0()
    {
        _sunra.Script.Enqueue(SunraOperation.Submit, new Fault(200) { Process = true, Delay = TimeSpan.FromSeconds(2) });
        var inFlight = _client.PostAsync("/remix", Http.Json(Http.Remix("v", "in flight")), Cancellation);
        await EventuallyAsync(() => _sunra.Calls.Count == 1);

        var exit = _gateway.TerminateAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(500, Cancellation);
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient { BaseAddress = _gateway.Address }.GetAsync("/health/live", Cancellation));

        using var answered = await inFlight;
        Assert.Equal(HttpStatusCode.Accepted, answered.StatusCode);
        Assert.Equal(0, await exit);
        Assert.Equal(1, _sunra.Requests.Count);
    }

    [Fact]
    public async Task On_SIGTERM_an_open_event_stream_ends_at_once_instead_of_holding_the_shutdown()
    {
        var id = (await _client.SubmitAsync()).GetProperty("request_id").GetString()!;
        using var events = await _client.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var stream = await events.Content.ReadAsStreamAsync(Cancellation);
        var clock = Stopwatch.StartNew();

        var exitCode = await _gateway.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The shutdown took {clock.Elapsed}: the stream held it.");
        using var reader = new StreamReader(stream);
        Assert.Contains("IN_QUEUE", await reader.ReadToEndAsync(Cancellation), StringComparison.Ordinal);
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Not true within 10 s.");
            await Task.Delay(20, Cancellation);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _sunra.DisposeAsync();
    }
}
