using System.Net;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// The published gateway as the container runs it: its key from a mounted secret file, behind a
/// trusted proxy, scraped at /metrics, logging JSON, traced through to Sunra, stopped with SIGTERM.
/// </summary>
[FullTier("the published gateway")]
public sealed class OperationsTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    private readonly string _secrets = Directory.CreateTempSubdirectory("gateway-secrets-").FullName;
    private EmulatorServer _sunra = null!;
    private GatewayProcess _gateway = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sunra = await EmulatorServer.StartAsync(options => options.ApiKey = GatewayFactory.SunraKey);
        var keyFile = Path.Combine(_secrets, "sunra_key");
        await File.WriteAllTextAsync(keyFile, GatewayFactory.SunraKey + "\n", Cancellation);
        _gateway = GatewayProcess.Start(
            await PublishedGateway.PathAsync(Cancellation),
            [],
            GatewayProcess.EnvironmentFor(_sunra, ("SUNRA_KEY", null), ("SUNRA_KEY_FILE", keyFile), ("Gateway__ForwardedHeaders__KnownNetworks__0", "127.0.0.0/8")));
        await _gateway.WaitUntilReadyAsync(Cancellation);
    }

    [Fact]
    public async Task A_remix_through_a_trusted_proxy_is_measured_logged_as_JSON_traced_to_Sunra_and_the_gateway_stops_cleanly()
    {
        // The test's own HttpClient must not replace the traceparent below with one of its own (it
        // would, whenever a gateway in this test process listens to HTTP activities).
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = _gateway.Address };
        client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, GatewayFactory.OrdersKey);
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("v", "measured")) };
        submit.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
        submit.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var accepted = await client.SendAsync(submit, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.ReadJsonAsync()).GetProperty("request_id").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync($"/remix/{id}/status", Cancellation)).Dispose();
        }

        // The key came from the file: Sunra got it, and the trace went with the call.
        var sunraSubmit = Assert.Single(_sunra.Calls.All, call => call.Method == "POST");
        Assert.Equal($"Key {GatewayFactory.SunraKey}", sunraSubmit.Authorization);
        // The caller's trace, with a span of the gateway's, and the caller's sampled flag.
        Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-01$", sunraSubmit.TraceParent);
        Assert.DoesNotContain("00f067aa0ba902b7", sunraSubmit.TraceParent, StringComparison.Ordinal);

        using var scrape = new HttpClient { BaseAddress = _gateway.Address };
        var metrics = await scrape.GetStringAsync("/metrics", Cancellation);
        Assert.Equal(1, Figures.Sample(metrics, "gateway_remix_submits_total", "caller=\"orders\"", "outcome=\"accepted\""));
        Assert.Equal(1, Figures.Sample(metrics, "gateway_sunra_calls_total", "operation=\"submit\"", "status=\"200\""));
        Assert.True(Figures.Sample(metrics, "gateway_status_reads_total", "cache=\"hit\"") >= 1);
        Assert.True(Figures.Sample(metrics, "http_server_request_duration_seconds_count", "http_route=\"/remix/\"") >= 1);
        Assert.DoesNotContain(GatewayFactory.SunraKey, metrics, StringComparison.Ordinal);

        Assert.Equal(0, await _gateway.TerminateAsync(TimeSpan.FromSeconds(30)));
        var lines = _gateway.LogEvents;
        var submitLine = _gateway.RequestLine("/remix");
        Assert.Equal("203.0.113.7", submitLine.GetProperty("ClientIp").GetString());
        Assert.Equal(TraceId, submitLine.GetProperty("@tr").GetString());
        Assert.Equal("orders", submitLine.GetProperty("Caller").GetString());
        Assert.All(lines.Where(line => line.TryGetProperty("RequestPath", out _)), line => Assert.True(line.TryGetProperty("GatewayRequestId", out _)));
        Assert.DoesNotContain(GatewayFactory.SunraKey, _gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_address_are_ignored()
    {
        await using var untrusting = GatewayProcess.Start(await PublishedGateway.PathAsync(Cancellation), [], GatewayProcess.EnvironmentFor(_sunra));
        await untrusting.WaitUntilReadyAsync(Cancellation);
        using var client = new HttpClient { BaseAddress = untrusting.Address };
        client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, GatewayFactory.OrdersKey);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");

        (await client.PostAsync("/remix", Http.Json(Http.Remix("v", "p")), Cancellation)).Dispose();
        Assert.Equal(0, await untrusting.TerminateAsync(TimeSpan.FromSeconds(30)));

        var submitLine = untrusting.RequestLine("/remix");
        Assert.Equal("127.0.0.1", submitLine.GetProperty("ClientIp").GetString());
    }

    [Fact]
    public async Task A_key_file_that_cannot_be_read_stops_the_start_and_names_the_variable()
    {
        await using var gateway = GatewayProcess.Start(await PublishedGateway.PathAsync(Cancellation), [], new Dictionary<string, string?>
        {
            ["SUNRA_KEY_FILE"] = Path.Combine(_secrets, "missing"),
            ["Gateway__Clients__orders__KeySha256"] = CallerDirectory.HashOf(GatewayFactory.OrdersKey),
        });

        await gateway.Process.WaitForExitAsync(Cancellation);

        Assert.Equal(1, gateway.Process.ExitCode);
        Assert.Contains("SUNRA_KEY_FILE names", gateway.Output, StringComparison.Ordinal);
    }

    // The value of the one sample of this metric that carries every one of these labels.

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _sunra.DisposeAsync();
        Directory.Delete(_secrets, recursive: true);
    }
}
