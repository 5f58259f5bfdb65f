using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Benchmarks;

/// <summary>
/// The streams run: one published gateway, its records in a real redis-server and Sunra's callback on,
/// holds <see cref="Streams"/> open event streams over <see cref="Remixes"/> remixes, opened from this
/// process over loopback. Sunra is the emulator, in this process (<see cref="ScaleSunra"/>, its limits off), on a clock the run moves by hand, so
/// that remixes end exactly when the run says: while it stands still they stay queued. The run prints
/// the gateway's resident memory per stream, its CPU and the store's commands per second while the
/// streams rest (heartbeats and keep-alive polls only), and the time from Sunra's end of the remixes
/// (its callback leaving) to the last stream's COMPLETED event: first for one remix, then for all the
/// others at once.
/// </summary>
internal static class StreamsRun
{
    public const int Streams = 10_000;

    public const int Remixes = 100;

    private const string CallerKey = "streams-caller-key";

    private static readonly TimeSpan Rest = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan QueueTime = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan RunTime = TimeSpan.FromHours(1);

    public static async Task<List<string>> RunAsync(string publish)
    {
        var failures = new List<string>();
        var work = Directory.CreateTempSubdirectory("gateway-streams-").FullName;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var redis = await BenchRedis.StartAsync(work);
        await using var sunra = await ScaleSunra.StartAsync(QueueTime + RunTime, clock, enforceLimits: false);
        var (gateway, baseUrl) = await StartGatewayAsync(publish, sunra.BaseUrl.ToString(), redis.ConnectionString, work);
        await using var _ = gateway;
        using var redisAdmin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, CallerKey);

        // Submitted a second apart on Sunra's clock, so that the first remix can end alone.
        var ids = new List<string>();
        for (var i = 0; i < Remixes; i++)
        {
            using var submit = await client.PostAsync("/remix", new StringContent($$"""{"video_id":"video_streams_{{i}}","prompt":"a stream of remixes"}""", Encoding.UTF8, "application/json"));
            if (submit.StatusCode != HttpStatusCode.Accepted)
            {
                failures.Add($"submit {i}: {(int)submit.StatusCode}");
                return failures;
            }

            ids.Add(JsonDocument.Parse(await submit.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString()!);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        foreach (var id in ids)
        {
            using var status = await client.GetAsync($"/remix/{id}/status");
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = gateway.Memory().Now;

        // Opened 200 at a time, each counted open once its first event has come.
        var opening = Stopwatch.StartNew();
        var gate = new SemaphoreSlim(200);
        var followers = Enumerable.Range(0, Streams).Select(i => new Follower(ids[i % Remixes])).ToArray();
        var running = followers.Select(follower => follower.RunAsync(client, gate)).ToArray();
        await Task.WhenAll(followers.Select(follower => follower.Opened));
        var opened = opening.Elapsed;
        var refused = followers.Count(follower => follower.Refusal is not null);
        if (refused > 0)
        {
            failures.Add($"{refused} streams refused, the first {followers.First(follower => follower.Refusal is not null).Refusal}");
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        var heldOpen = gateway.Memory();

        // At rest: heartbeats and keep-alive polls only.
        var sunraBefore = sunra.Calls.Now.All;
        var commandsBefore = await CommandsAsync(redisAdmin);
        var cpuBefore = gateway.CpuTime();
        var resting = Stopwatch.StartNew();
        await Task.Delay(Rest);
        var cpu = (gateway.CpuTime() - cpuBefore) / resting.Elapsed;
        var commands = (await CommandsAsync(redisAdmin)).Minus(commandsBefore);
        var sunraAtRest = sunra.Calls.Now.All - sunraBefore;
        var restSeconds = resting.Elapsed.TotalSeconds;
        var scrape = await client.GetStringAsync("/metrics");

        // The first remix ends alone (the next one ends a second of Sunra's clock later), then all the others at once.
        var first = await EndAsync(clock, QueueTime + RunTime - TimeSpan.FromSeconds(Remixes) + TimeSpan.FromSeconds(0.5), followers.Where(follower => follower.Id == ids[0]).ToArray());
        var rest = await EndAsync(clock, TimeSpan.FromSeconds(Remixes), followers.Where(follower => follower.Id != ids[0]).ToArray());
        await Task.WhenAll(running);
        var unfinished = followers.Count(follower => follower.CompletedAfter is null);
        if (unfinished > 0)
        {
            failures.Add($"{unfinished} streams did not see COMPLETED");
        }

        Console.WriteLine($"""

            Streams: {Streams:N0} event streams over {Remixes} remixes on one published gateway (records in redis-server, Sunra's callback on, keep-alive 30 s, heartbeat every 15 s)
              opened in {opened.TotalSeconds:0.0} s, {refused} refused; the gateway counts {Sample(scrape, "gateway_streams_open"):N0} open over {Sample(scrape, "gateway_streams_remixes"):N0} remixes
              resident memory: {before:0} MiB before, {heldOpen.Now:0} MiB with the streams open (peak {heldOpen.Peak:0}): {(heldOpen.Now - before) * 1024 / Streams:0.0} KiB a stream
              at rest for {restSeconds:0} s: CPU {cpu:P1} of one core; the store {commands.Reads / restSeconds:0.0} reads/s ({commands.All / restSeconds:0.0} commands/s in all); Sunra {sunraAtRest / restSeconds:0.00} calls/s
              Sunra ends one remix: its {first.Followers} streams saw COMPLETED after p50 {first.P50 * 1000:0} ms, the last after {first.Last * 1000:0} ms
              Sunra ends the other {Remixes - 1} at once: their {rest.Followers:N0} streams saw COMPLETED after p50 {rest.P50 * 1000:0} ms, the last after {rest.Last * 1000:0} ms
            """);
        return failures;
    }

    private static double Sample(string scrape, string metric) =>
        scrape.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal)).Sum(line => double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture));

    // Moves Sunra's clock, which fires the callbacks of the remixes it ends, and waits for their streams.
    private static async Task<(int Followers, double P50, double Last)> EndAsync(FakeTimeProvider clock, TimeSpan by, Follower[] followers)
    {
        var ended = Stopwatch.GetTimestamp();
        clock.Advance(by);
        await Task.WhenAll(followers.Select(follower => follower.Completed)).WaitAsync(TimeSpan.FromMinutes(2));
        var after = followers.Select(follower => Stopwatch.GetElapsedTime(ended, follower.CompletedAt).TotalSeconds).Order().ToList();
        return (followers.Length, after[after.Count / 2], after[^1]);
    }

    private static async Task<StoreCommands> CommandsAsync(ConnectionMultiplexer redis)
    {
        long reads = 0, all = 0;
        var info = await redis.GetServers()[0].InfoAsync("commandstats");
        foreach (var (name, value) in info.SelectMany(group => group))
        {
            var calls = long.Parse(value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
            all += calls;
            if (name is "cmdstat_get" or "cmdstat_mget")
            {
                reads += calls;
            }
        }

        return new StoreCommands(reads, all);
    }

    private static async Task<(BenchProcess Process, string BaseUrl)> StartGatewayAsync(string publish, string sunra, string redis, string work)
    {
        var port = FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = baseUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["SUNRA_KEY"] = ScaleSunra.Key,
            ["Sunra__BaseUrl"] = sunra,
            ["Sunra__CallbackBaseUrl"] = baseUrl,
            ["ConnectionStrings__Redis"] = redis,
            ["Gateway__Clients__streams__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CallerKey))),
            ["Gateway__Clients__streams__SubmitsPerMinute"] = "1000000000",
            ["Gateway__Clients__streams__DailySubmitQuota"] = "1000000000",
            ["Gateway__Clients__streams__ReadsPerMinute"] = "1000000000",
            ["Gateway__Clients__streams__ConcurrentStreams"] = "1000000",
        };
        var process = BenchProcess.Start("dotnet", [Path.Combine(publish, "Gateway.dll")], Path.Combine(work, $"gateway-{port}.log"), environment, publish);
        await process.WaitUntilAnswersAsync(new Uri(baseUrl + "/health/ready"), TimeSpan.FromSeconds(30));
        return (process, baseUrl);
    }

    /// <summary>Redis commands served so far: reads of a value (GET, MGET), and all.</summary>
    private readonly record struct StoreCommands(long Reads, long All)
    {
        public StoreCommands Minus(StoreCommands earlier) => new(Reads - earlier.Reads, All - earlier.All);
    }

    /// <summary>One event stream of a remix, read to its end.</summary>
    private sealed class Follower(string id)
    {
        private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id => id;

        public Task Opened => _opened.Task;

        public Task Completed => _completed.Task;

        public string? Refusal { get; private set; }

        public long CompletedAt { get; private set; }

        public TimeSpan? CompletedAfter { get; private set; }

        public async Task RunAsync(HttpClient client, SemaphoreSlim gate)
        {
            await gate.WaitAsync();
            var released = false;
            try
            {
                using var response = await client.GetAsync($"/remix/{id}/events", HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Refusal = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                    return;
                }

                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var started = Stopwatch.GetTimestamp();
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal) && !released)
                    {
                        released = true;
                        gate.Release();
                        _opened.TrySetResult();
                    }

                    if (line == "id: COMPLETED")
                    {
                        CompletedAt = Stopwatch.GetTimestamp();
                        CompletedAfter = Stopwatch.GetElapsedTime(started, CompletedAt);
                        _completed.TrySetResult();
                    }
                }
            }
            catch (HttpRequestException e)
            {
                Refusal = e.Message;
            }
            finally
            {
                if (!released)
                {
                    gate.Release();
                }

                _opened.TrySetResult();
                _completed.TrySetResult();
            }
        }
    }
}
