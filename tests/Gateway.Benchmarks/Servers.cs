using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>A server under load: where it listens, how to read what it allocated and, for the gateway, how many remixes it accepted.</summary>
internal sealed class Server(string name, string baseUrl, BenchProcess? process, Func<Task<long?>>? allocatedBytes, Func<Task<long?>>? acceptedRemixes = null) : IAsyncDisposable
{
    private static readonly HttpClient Reader = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Name { get; } = name;

    public string BaseUrl { get; } = baseUrl;

    public BenchProcess? Process { get; } = process;

    public Task<long?>? AllocatedBytesAsync() => allocatedBytes?.Invoke();

    /// <summary>The remixes a gateway accepted, each an owner record its store keeps for 7 days; null for a server that buys none.</summary>
    public Task<long?> AcceptedRemixesAsync() => acceptedRemixes?.Invoke() ?? Task.FromResult<long?>(null);

    public ValueTask DisposeAsync() => Process?.DisposeAsync() ?? ValueTask.CompletedTask;

    public const string CallerKey = "bench-caller-key";

    /// <summary>
    /// The published gateway as its image runs it (Production: JSON log lines, one per request),
    /// with one caller whose limits are out of the way, the fast upstream as Sunra with the account's
    /// limits (Sunra:Limits) out of the way too, and its records in memory or, given a connection
    /// string, in Redis.
    /// </summary>
    public static async Task<(Server Server, TimeSpan Ready)> StartGatewayAsync(string publish, FastUpstream upstream, string work, string? redis)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["SUNRA_KEY"] = FastUpstream.SunraKey,
            ["Sunra__BaseUrl"] = upstream.BaseUrl + "/v1",
            ["Gateway__Clients__bench__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CallerKey))),
            ["Gateway__Clients__bench__SubmitsPerMinute"] = "1000000000",
            ["Gateway__Clients__bench__ReadsPerMinute"] = "1000000000",
            ["Gateway__Clients__bench__DailySubmitQuota"] = "1000000000",

            // nginx is not Sunra's account: the gateway's budget of it would hold the submits to 10 a
            // second. The scale run measures the gateway under Sunra's limits.
            ["Sunra__Limits__SubmitsPerSecond"] = "1000000",
            ["Sunra__Limits__SubmitsPerMinute"] = "10000000",
            ["Sunra__Limits__OtherCallsPerSecond"] = "1000000",
            ["Sunra__Limits__OtherCallsPerMinute"] = "10000000",
        };
        if (redis is not null)
        {
            environment["ConnectionStrings__Redis"] = redis;
        }

        var process = BenchProcess.Start("dotnet", [Path.Combine(publish, "Gateway.dll")], Path.Combine(work, $"gateway-{port}.log"), environment, publish);
        var baseUrl = $"http://127.0.0.1:{port}";
        var ready = await process.WaitUntilAnswersAsync(new Uri(baseUrl + "/health/ready"), TimeSpan.FromSeconds(30));
        return (new Server(
            "gateway",
            baseUrl,
            process,
            () => GatewayMetricAsync(baseUrl, "dotnet_gc_heap_total_allocated_bytes_total{", ""),
            () => GatewayMetricAsync(baseUrl, "gateway_remix_submits_total{", "outcome=\"accepted\"")), ready);
    }

    /// <summary>The yardstick: a plain YARP pass-through to the same upstream.</summary>
    public static async Task<(Server Server, TimeSpan Ready)> StartYarpAsync(string publish, FastUpstream upstream, string work)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Upstream"] = upstream.BaseUrl,
        };
        var process = BenchProcess.Start("dotnet", [Path.Combine(publish, "Gateway.Benchmarks.Yarp.dll")], Path.Combine(work, $"yarp-{port}.log"), environment, publish);
        var baseUrl = $"http://127.0.0.1:{port}";
        var ready = await process.WaitUntilAnswersAsync(new Uri(baseUrl + "/allocated-bytes"), TimeSpan.FromSeconds(30));
        return (new Server("YARP pass-through", baseUrl, process, async () => await Reader.GetFromJsonAsync<long>(baseUrl + "/allocated-bytes")), ready);
    }

    /// <summary>Submits one remix through the gateway and reads its status once, so the final status is kept by the gateway.</summary>
    public async Task<string> CompletedRemixAsync(string body)
    {
        using var submit = new HttpRequestMessage(HttpMethod.Post, BaseUrl + "/remix") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        submit.Headers.Add("X-Api-Key", CallerKey);
        using var accepted = await Reader.SendAsync(submit);
        accepted.EnsureSuccessStatusCode();
        var requestId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;

        using var read = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/remix/{requestId}/status");
        read.Headers.Add("X-Api-Key", CallerKey);
        using var status = await Reader.SendAsync(read);
        var state = (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
        return state == "COMPLETED" ? requestId : throw new InvalidOperationException($"the prepared remix is {state}, not COMPLETED");
    }

    // The sum of a metric's series whose labels hold the given text, from the gateway's Prometheus
    // page (allocations come from the runtime's System.Runtime meter, which the gateway exports);
    // null when it has no such series, as a build from before it exported them has not.
    private static async Task<long?> GatewayMetricAsync(string baseUrl, string metric, string labels)
    {
        var text = await Reader.GetStringAsync(baseUrl + "/metrics");
        long? sum = null;
        foreach (var line in text.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal)))
        {
            // name{labels} value [timestamp]
            var end = line.IndexOf('}', StringComparison.Ordinal);
            if (line.AsSpan(0, end).Contains(labels, StringComparison.Ordinal))
            {
                var value = line[(end + 1)..].Trim().Split(' ')[0];
                sum = (sum ?? 0) + (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
