using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// A bounded soak: callers submit and read through nginx in front of two replicas while the emulator
/// injects upstream faults and one replica is killed and restarted. It prints its figures, and holds
/// the gateway to the three that must be zero: duplicates, lost request ids, 500 answers.
/// </summary>
[FullTier("redis-server, nginx and the published gateway")]
public sealed class SoakTests : IAsyncLifetime
{
    private const int Callers = 4;
    private const int RemixesPerCaller = 15;
    private const int Seed = 20261124;

    private ReplicaSet _set = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _set = await ReplicaSet.StartAsync(2, options => options.QueueTime = options.RunTime = TimeSpan.FromMilliseconds(300), Cancellation);

    public ValueTask DisposeAsync() => _set.DisposeAsync();

    [Fact]
    public async Task Under_upstream_faults_and_a_replica_restart_no_remix_is_bought_twice_or_lost_and_nothing_answers_500()
    {
        var figures = new Figures();
        using var client = _set.Client(null);
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var faults = InjectFaultsAsync(figures, stopFaults.Token);
        var restart = Task.Run(
            async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2), Cancellation);
                _set.Replicas[0].Kill();
                await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);
                await _set.RestartAsync(0, Cancellation);
            },
            Cancellation);

        var callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(
            async () =>
            {
                for (var i = 0; i < RemixesPerCaller; i++)
                {
                    await SubmitAndReadAsync(client, $"soak-{caller}-{i}", figures);
                }
            },
            Cancellation));
        await Task.WhenAll(callers);
        await restart;
        await stopFaults.CancelAsync();
        await faults;
        _set.Sunra.Script.Clear();

        // Every remix a caller was given must still be there, on whichever replica answers.
        foreach (var id in figures.Accepted.Keys)
        {
            if (!await IsKnownAsync(client, id, figures))
            {
                figures.Lost.Add(id);
            }
        }

        var bought = _set.Sunra.Requests.All;
        var duplicates = bought.GroupBy(request => request.Prompt).Sum(same => same.Count() - 1);
        var report = figures.Report(_set.Sunra.Calls.All.Count(call => call.Method == "POST"), bought.Count, duplicates);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Console.WriteLine(report);
        await Figures.SaveAsync("soak.txt", report);

        Assert.Equal(0, duplicates);
        Assert.Empty(figures.Lost);
        Assert.Equal(0, figures.ServerErrors);
        Assert.Equal(Callers * RemixesPerCaller, figures.Accepted.Count + figures.Unknown);
        Assert.Subset(bought.Select(request => request.Id).ToHashSet(), figures.Accepted.Keys.ToHashSet());
    }

    // A careful caller: one Idempotency-Key per remix, kept across retries; a retry after a 502, 503
    // or 504 or a broken connection; then a read of the status.
    private static async Task SubmitAndReadAsync(HttpClient client, string key, Figures figures)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            using var response = await SendAsync(client, () => Keyed(key), figures);
            switch (response?.StatusCode)
            {
                case HttpStatusCode.Accepted:
                    var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("request_id").GetString()!;
                    figures.Accepted.TryAdd(id, key);
                    using (await SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, $"/remix/{id}/status"), figures))
                    {
                        return;
                    }

                case HttpStatusCode.Conflict:
                    Interlocked.Increment(ref figures.Unknown);
                    return;
                case null or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout:
                    var wait = response?.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200);
                    await Task.Delay(wait < TimeSpan.FromSeconds(2) ? wait : TimeSpan.FromSeconds(2), Cancellation);
                    continue;
                default:
                    Assert.Fail($"{key}: unexpected {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancellation)}");
                    return;
            }
        }

        Assert.Fail($"{key} was not settled after 40 tries.");
    }

    // Known: its status is served. A 404 is a lost remix; a passing upstream failure (the circuit
    // may still be open after the faults) is waited out.
    private static async Task<bool> IsKnownAsync(HttpClient client, string id, Figures figures)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var status = await SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, $"/remix/{id}/status"), figures);
            if (status?.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound)
            {
                return status.StatusCode == HttpStatusCode.OK;
            }

            await Task.Delay(status?.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(500), Cancellation);
        }

        return false;
    }

    private static async Task<HttpResponseMessage?> SendAsync(HttpClient client, Func<HttpRequestMessage> request, Figures figures)
    {
        Interlocked.Increment(ref figures.Sent);
        try
        {
            using var message = request();
            var response = await client.SendAsync(message, Cancellation);
            if ((int)response.StatusCode == 500)
            {
                Interlocked.Increment(ref figures.ServerErrors);
            }

            return response;
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref figures.Broken);
            return null;
        }
    }

    // Faults arrive at random moments, each for the next call of its kind: Sunra failing (5xx),
    // throttling (429), hanging past the gateway's timeout, dropping the connection, or accepting a
    // submit and losing the answer.
    private Task InjectFaultsAsync(Figures figures, CancellationToken stop) => Task.Run(
        async () =>
        {
            var random = new Random(Seed);
            Fault[] submitFaults =
            [
                new(500, """{"detail": "boom"}"""),
                new(503, "unavailable", "text/plain"),
                new(429, """{"detail": "slow down"}""") { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } },
                new(200) { Abort = true },
                new(200) { Process = true, Abort = true },
                new(200) { Process = true, Delay = TimeSpan.FromSeconds(4) },
            ];
            Fault[] readFaults =
            [
                new(502, "bad gateway", "text/plain"),
                new(500, """{"detail": "boom"}"""),
                new(429, "{}") { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } },
                new(200) { Abort = true },
            ];
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 400)), stop);
                    var onSubmit = random.Next(3) == 0;
                    var faults = onSubmit ? submitFaults : readFaults;
                    _set.Sunra.Script.Enqueue(onSubmit ? SunraOperation.Submit : SunraOperation.Status, faults[random.Next(faults.Length)]);
                    Interlocked.Increment(ref figures.Faults);
                }
            }
            catch (OperationCanceledException)
            {
            }
        },
        stop);

    private static HttpRequestMessage Keyed(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/remix") { Content = Http.Json(Http.Remix("video_123", $"prompt of {key}")) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private sealed class Figures
    {
        public readonly ConcurrentDictionary<string, string> Accepted = new();
        public readonly ConcurrentBag<string> Lost = [];
        public int Sent;
        public int Broken;
        public int ServerErrors;
        public int Unknown;
        public int Faults;

        public string Report(int sunraSubmits, int sunraJobs, int duplicates) => string.Join('\n',
            $"soak: {Callers} callers x {RemixesPerCaller} remixes through nginx to 2 replicas, one killed and restarted; seed {Seed}",
            $"  requests sent           {Sent}",
            $"  broken connections      {Broken}",
            $"  faults injected         {Faults}",
            $"  accepted remixes        {Accepted.Count}",
            $"  outcome unknown (409)   {Unknown}",
            $"  Sunra submits           {sunraSubmits}",
            $"  Sunra jobs (paid)       {sunraJobs}",
            $"  paid, never handed out  {sunraJobs - Accepted.Count}",
            $"  duplicates              {duplicates}",
            $"  lost request ids        {Lost.Count}",
            $"  500 answers             {ServerErrors}");

        // The figures are kept beside the test results, where the test command prints them.
        public static async Task SaveAsync(string name, string report)
        {
            var folder = Path.Combine(PublishedGateway.RepositoryRoot, "artifacts", "figures");
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, name), report + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), Cancellation);
        }
    }
}
