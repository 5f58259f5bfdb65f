using System.Globalization;
using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;
using Sunra.Emulator;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Sunra's callback as deployed: two published replicas share a redis-server, and the emulator POSTs its
/// callback at the end of each remix to a replica's real address. Each test prints its figures (and
/// keeps them in artifacts/figures).
/// </summary>
[FullTier("redis-server, nginx and the published gateway")]
public sealed class PushReplicaTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static CultureInfo Invariant => CultureInfo.InvariantCulture;

    [Fact]
    public async Task With_callbacks_fast_watchers_on_both_replicas_see_each_remix_completed_within_2_s_for_at_most_4_calls_a_remix()
    {
        const int Remixes = 20;
        var every = TimeSpan.FromMilliseconds(200);
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(5);
            },
            new Dictionary<string, string?> { ["Sunra__CallbackBaseUrl"] = "{replica0}", ["Sunra__KeepAlivePollSeconds"] = "30" },
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);
        HttpClient[] clients = [a, b];

        // Submitted 100 ms apart, through both replicas; each watched at once on both.
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
        var watches = new List<Task<Watch>>();
        for (var i = 0; i < Remixes; i++)
        {
            var id = (await clients[i % 2].SubmitAsync(prompt: $"pushed {i}")).GetProperty("request_id").GetString()!;
            watches.AddRange(clients.Select(client => WatchAsync(client, id, every, giveUp)));
            await Task.Delay(TimeSpan.FromMilliseconds(100), Cancellation);
        }

        var finished = await Task.WhenAll(watches);
        await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);

        var ledger = set.Sunra.Requests;
        var late = finished.Where(watch => watch.SawCompletedAt is not null)
            .Select(watch => (watch.SawCompletedAt!.Value - ledger.CompletesAt(ledger.Find(watch.Id)!)).TotalSeconds)
            .Order()
            .ToList();
        var callsPerRemix = ledger.All.Select(request => set.Sunra.Calls.All.Count(call => call.Method != "POST" && call.PathAndQuery.Contains(request.Id, StringComparison.Ordinal))).ToList();
        var callbacks = set.Sunra.Webhooks.All;
        Figures.Report(
            "push-remixes-in-flight.txt",
            $"Push: {Remixes} remixes (1 s queued, 5 s running) submitted through both replicas, each watched on both by a poller every {every.TotalMilliseconds:0} ms; Sunra calls back at replica A; keep-alive 30 s",
            $"{finished.Sum(watch => watch.Reads)} status reads by {finished.Length} watchers, {finished.Sum(watch => watch.Refusals)} not 200",
            $"Sunra's calls other than submits, per remix: min {callsPerRemix.Min()}, max {callsPerRemix.Max()}, {callsPerRemix.Sum()} in all; callbacks sent {callbacks.Count}, answered 204: {callbacks.Count(callback => callback.LastStatus == 204)}",
            $"{late.Count} of {finished.Length} watchers saw COMPLETED, after Sunra's completion by p50 {Figures.Percentile(late, 0.5):0.00} s, max {late.DefaultIfEmpty().Max():0.00} s");

        Assert.Equal(Remixes, ledger.Count);
        Assert.All(finished, watch => Assert.Equal(0, watch.Refusals));
        Assert.All(finished, watch => Assert.NotNull(watch.SawCompletedAt));
        Assert.All(callsPerRemix, calls => Assert.InRange(calls, 1, 4));
        Assert.InRange(late.Max(), -0.5, 2);
    }

    [Fact]
    public async Task A_callback_taken_by_the_other_replica_completes_the_remix_for_watchers_on_both()
    {
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(3);
            },
            new Dictionary<string, string?> { ["Sunra__CallbackBaseUrl"] = "{replica1}" },
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);

        var id = (await a.SubmitAsync(prompt: "called back at B")).GetProperty("request_id").GetString()!;
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        var watches = await Task.WhenAll(WatchAsync(a, id, TimeSpan.FromMilliseconds(200), giveUp), WatchAsync(b, id, TimeSpan.FromMilliseconds(200), giveUp));

        // A watcher may see COMPLETED before the emulator has the callback's answer, and logs it.
        for (var wait = 0; wait < 50 && set.Sunra.Webhooks.Count == 0; wait++)
        {
            await Task.Delay(100, Cancellation);
        }

        var ledger = set.Sunra.Requests;
        var callback = Assert.Single(set.Sunra.Webhooks.All);
        var late = watches.Select(watch => (watch.SawCompletedAt!.Value - ledger.CompletesAt(ledger.Find(id)!)).TotalSeconds).ToList();
        Figures.Report(
            "push-other-replica.txt",
            $"Push to the other replica: a remix submitted through A, Sunra calls back at B ({callback.Url.GetLeftPart(UriPartial.Authority)}, answered {callback.LastStatus})",
            $"watchers on A and B saw COMPLETED {late[0]:0.00} s and {late[1]:0.00} s after Sunra's completion");

        Assert.StartsWith(set.Replicas[1].Address.GetLeftPart(UriPartial.Authority), callback.Url.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(204, callback.LastStatus);
        Assert.All(late, seconds => Assert.InRange(seconds, -0.5, 2));
    }

    [Fact]
    public async Task A_lost_callback_is_made_good_by_the_keep_alive_poll()
    {
        const double KeepAlive = 3;
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(3);
            },
            new Dictionary<string, string?> { ["Sunra__CallbackBaseUrl"] = "{replica0}", ["Sunra__KeepAlivePollSeconds"] = KeepAlive.ToString(Invariant) },
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);
        set.Sunra.Script.DropWebhooks(1);

        var id = (await a.SubmitAsync(prompt: "its callback is lost")).GetProperty("request_id").GetString()!;
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        var watches = await Task.WhenAll(WatchAsync(a, id, TimeSpan.FromMilliseconds(200), giveUp), WatchAsync(b, id, TimeSpan.FromMilliseconds(200), giveUp));

        var ledger = set.Sunra.Requests;
        var late = watches.Select(watch => (watch.SawCompletedAt!.Value - ledger.CompletesAt(ledger.Find(id)!)).TotalSeconds).ToList();
        var polls = set.Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.Contains($"{id}/status", StringComparison.Ordinal));
        Figures.Report(
            "push-lost-callback.txt",
            $"Lost callback: Sunra's callback dropped, keep-alive {KeepAlive} s; a remix 1 s queued, 3 s running, watched on both replicas every 200 ms",
            $"callbacks: {string.Join(", ", set.Sunra.Webhooks.All.Select(callback => callback.Outcome))}; Sunra polled {polls} times",
            $"watchers on A and B saw COMPLETED {late[0]:0.00} s and {late[1]:0.00} s after Sunra's completion");

        Assert.Equal(WebhookOutcome.Dropped, Assert.Single(set.Sunra.Webhooks.All).Outcome);
        Assert.All(late, seconds => Assert.InRange(seconds, -0.5, KeepAlive + 0.5));
        Assert.InRange(polls, 2, 4);
    }

    [Fact]
    public async Task A_callback_reaches_every_stream_on_both_replicas_at_once_and_their_store_reads_follow_remixes_not_streams()
    {
        const int Remixes = 5;
        const int StreamsPerReplica = 40;
        await using var set = await ReplicaSet.StartAsync(
            2,
            options =>
            {
                options.QueueTime = TimeSpan.FromSeconds(1);
                options.RunTime = TimeSpan.FromSeconds(6);
            },
            new Dictionary<string, string?>
            {
                ["Sunra__CallbackBaseUrl"] = "{replica0}",
                ["Sunra__KeepAlivePollSeconds"] = "30",
                ["Gateway__Defaults__ConcurrentStreams"] = "1000",
                ["Gateway__EventsHeartbeatSeconds"] = "2",
            },
            Cancellation);
        using var a = set.Client(set.Replicas[0]);
        using var b = set.Client(set.Replicas[1]);
        HttpClient[] clients = [a, b];
        var ids = new List<string>();
        for (var i = 0; i < Remixes; i++)
        {
            ids.Add((await clients[i % 2].SubmitAsync(prompt: $"streamed {i}")).GetProperty("request_id").GetString()!);
        }

        // Every stream open and its first event read before the count of store reads starts.
        var opening = Remixes * StreamsPerReplica * 2;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streams = ids.SelectMany(id => clients.SelectMany(client => Enumerable.Range(0, StreamsPerReplica).Select(_ => FollowAsync(client, id, Opened)))).ToList();
        await allOpen.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        var open = await Task.WhenAll(set.Replicas.Select(replica => ScrapeAsync(set, replica)));
        var seen = await Task.WhenAll(streams);
        var done = await Task.WhenAll(set.Replicas.Select(replica => ScrapeAsync(set, replica)));

        void Opened()
        {
            if (Interlocked.Decrement(ref opening) == 0)
            {
                allOpen.TrySetResult();
            }
        }

        var ledger = set.Sunra.Requests;
        var late = seen.Select(stream => (stream.SawCompletedAt - ledger.CompletesAt(ledger.Find(stream.Id)!)).TotalSeconds).Order().ToList();
        var reads = open.Zip(done, (before, after) => StatusReads(after) - StatusReads(before)).ToArray();
        Figures.Report(
            "push-streams.txt",
            $"Push to streams: {Remixes} remixes (1 s queued, 6 s running), {StreamsPerReplica} event streams on each replica for each ({seen.Length} in all); Sunra calls back at replica A; keep-alive 30 s",
            $"open: {Figures.Sample(open[0], "gateway_streams_open"):0} streams over {Figures.Sample(open[0], "gateway_streams_remixes"):0} remixes on A, {Figures.Sample(open[1], "gateway_streams_open"):0} over {Figures.Sample(open[1], "gateway_streams_remixes"):0} on B",
            $"every stream saw COMPLETED after Sunra's completion by p50 {Figures.Percentile(late, 0.5):0.000} s, max {late.Max():0.000} s",
            $"reads of the kept status from the first events to the last: {reads[0]:0} on A, {reads[1]:0} on B (one per stream per 0.1 s poll interval would be {StreamsPerReplica * Remixes * 10 * 6} a replica)");

        Assert.All(open, scrape => Assert.Equal(StreamsPerReplica * Remixes, Figures.Sample(scrape, "gateway_streams_open")));
        Assert.All(open, scrape => Assert.Equal(Remixes, Figures.Sample(scrape, "gateway_streams_remixes")));
        Assert.All(seen, stream =>
        {
            Assert.Equal("COMPLETED", stream.Statuses[^1]);
            Assert.Equal(stream.Statuses.Distinct(), stream.Statuses);
        });
        Assert.InRange(late.Max(), -0.5, 1);
        Assert.All(reads, count => Assert.InRange(count, 0, Remixes * 3));
    }

    // Follows the remix on an event stream to its end: the statuses it was told, and when COMPLETED came.
    private static async Task<StreamWatch> FollowAsync(HttpClient client, string id, Action opened)
    {
        await Task.Yield();
        using var stream = await EventStream.OpenAsync(client, id);
        var watch = new StreamWatch(id);
        var first = true;
        while (await stream.TryReadAsync() is { } frame)
        {
            if (frame.IsHeartbeat)
            {
                continue;
            }

            // The event's id: the status, with the queue position while queued (IN_QUEUE.3).
            var status = frame.Id!;
            watch.Statuses.Add(status);
            if (status == "COMPLETED")
            {
                watch.SawCompletedAt = DateTimeOffset.UtcNow;
            }

            if (first)
            {
                first = false;
                opened();
            }
        }

        return watch;
    }

    private static async Task<string> ScrapeAsync(ReplicaSet set, GatewayProcess replica)
    {
        using var client = set.Client(replica);
        return await client.GetStringAsync("/metrics", Cancellation);
    }

    // Reads of the kept status, fresh (hit) or not (miss); a kind not seen yet has no sample.
    private static double StatusReads(string scrape) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith("gateway_status_reads_total{", StringComparison.Ordinal))
            .Sum(line => double.Parse(line.Split(' ')[^1], Invariant));

    /// <summary>Reads the remix's status every <paramref name="every"/> until it is COMPLETED (or <paramref name="giveUp"/>).</summary>
    private static async Task<Watch> WatchAsync(HttpClient client, string id, TimeSpan every, DateTimeOffset giveUp)
    {
        var watch = new Watch(id);
        while (DateTimeOffset.UtcNow < giveUp)
        {
            using var answer = await client.GetAsync($"/remix/{id}/status", Cancellation);
            watch.Reads++;
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                watch.Refusals++;
            }
            else if ((await answer.ReadJsonAsync()).GetProperty("status").GetString() == "COMPLETED")
            {
                watch.SawCompletedAt = DateTimeOffset.UtcNow;
                break;
            }

            await Task.Delay(every, Cancellation);
        }

        return watch;
    }



    /// <summary>What one event stream of one remix was told; touched by its own task only.</summary>
    private sealed class StreamWatch(string id)
    {
        public string Id => id;

        /// <summary>The ids of the events it got: each status change once (<c>IN_QUEUE.1</c>, <c>IN_PROGRESS</c>, <c>COMPLETED</c>).</summary>
        public List<string> Statuses { get; } = [];

        public DateTimeOffset SawCompletedAt { get; set; }
    }

    /// <summary>What one watcher of one remix was answered; touched by its own task only.</summary>
    private sealed class Watch(string id)
    {
        public string Id => id;

        public int Reads { get; set; }

        public int Refusals { get; set; }

        public DateTimeOffset? SawCompletedAt { get; set; }
    }
}
