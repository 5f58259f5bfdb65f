using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Remix;

/// <summary>Status delivery with the kept statuses in this process.</summary>
public sealed class InMemoryStatusDeliveryTests() : StatusDeliveryTests([]);

/// <summary>Status delivery with the kept statuses in Redis.</summary>
[FullTier("redis-server")]
public sealed class RedisStatusDeliveryTests(SharedRedis redis) : StatusDeliveryTests(redis.GatewaySettings());

/// <summary>
/// Coalesced status and server-sent events, held to what Sunra sees: about one status call per poll
/// interval (1 s here) per remix however many callers poll or watch it, none once the remix is done.
/// The emulator's clock is in the test's hand, so a remix moves on only when the test says so; the
/// gateway runs on the real clock, with a heartbeat after 0.3 s of silence.
/// </summary>
public abstract class StatusDeliveryTests : GatewayTest
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock;

    protected StatusDeliveryTests(Dictionary<string, string?> store)
        : this(store, new FakeTimeProvider())
    {
    }

    private StatusDeliveryTests(Dictionary<string, string?> store, FakeTimeProvider clock)
        : base(
            options => { options.QueueTime = Step; options.RunTime = Step; },
            clock,
            new Dictionary<string, string?>(store)
            {
                ["Sunra:StatusPollIntervalSeconds"] = "1",
                ["Gateway:EventsHeartbeatSeconds"] = "0.3",
                ["Gateway:Defaults:ConcurrentStreams"] = "200",
            })
    {
        _clock = clock;
    }

    private int StatusCalls => Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.Contains("/status", StringComparison.Ordinal));

    [Fact]
    public async Task Forty_callers_polling_every_50_ms_for_4_seconds_cost_Sunra_no_more_than_a_dozen_status_calls()
    {
        var id = await SubmitAsync();
        var polls = 0;
        var clock = Stopwatch.StartNew();

        var failures = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(
            async () =>
            {
                var failed = new List<string>();
                while (clock.Elapsed < TimeSpan.FromSeconds(4))
                {
                    using var response = await Client.GetAsync($"/remix/{id}/status", Cancellation);
                    Interlocked.Increment(ref polls);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failed.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancellation)}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(50), Cancellation);
                }

                return failed;
            },
            Cancellation)));

        Assert.Empty(failures.SelectMany(failed => failed));
        Assert.True(polls >= 400, $"only {polls} polls were made");
        Assert.InRange(StatusCalls, 2, 12);
    }

    [Fact]
    public async Task Once_a_remix_is_COMPLETED_or_CANCELED_its_status_and_result_reads_no_longer_reach_Sunra()
    {
        var completed = await SubmitAsync();
        var canceled = await SubmitAsync();
        using (var cancel = await Client.PostAsync($"/remix/{canceled}/cancel", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        _clock.Advance(Step * 2);
        Assert.Equal("COMPLETED", await StatusOfAsync(completed));
        Assert.Equal("CANCELED", await StatusOfAsync(canceled));
        using (var result = await Client.GetAsync($"/remix/{completed}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        }

        var before = Sunra.Calls.All;

        // Past the poll interval, when a status that is not final would be asked of Sunra again.
        await Task.Delay(TimeSpan.FromSeconds(1.1), Cancellation);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("COMPLETED", await StatusOfAsync(completed));
            Assert.Equal("CANCELED", await StatusOfAsync(canceled));
            using var result = await Client.GetAsync($"/remix/{completed}", Cancellation);
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
            Assert.Equal($"{completed}.mp4", (await result.ReadJsonAsync()).GetProperty("video").GetProperty("file_name").GetString());
            using var gone = await Client.GetAsync($"/remix/{canceled}", Cancellation);
            await gone.AssertProblemAsync(410, "/problems/remix-canceled");
        }

        Assert.Equal(before.Count, Sunra.Calls.Count);
        Assert.Equal(1, before.Count(call => call.Method == "GET" && call.PathAndQuery == $"/v1/queue/requests/{completed}"));
    }

    [Fact]
    public async Task Ten_event_streams_on_one_remix_share_the_polling_and_Sunra_sees_about_one_status_call_per_second()
    {
        var id = await SubmitAsync();

        var streams = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => EventStream.OpenAsync(Client, id)));
        try
        {
            foreach (var stream in streams)
            {
                Assert.Equal("IN_QUEUE.0", (await stream.ReadAsync()).Id);
            }

            await Task.Delay(TimeSpan.FromSeconds(3), Cancellation);

            // Every stream is still open, with heartbeats where there was nothing new.
            foreach (var stream in streams)
            {
                Assert.True((await stream.ReadAsync()).IsHeartbeat);
            }

            // One status for the ten first events, then at most about one a second for three seconds: not
            // thirty. (At least one more: a poll that comes a hair before the kept status expires is
            // answered from it, so a watcher may see Sunra's news only every other second.)
            Assert.InRange(StatusCalls, 2, 8);
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
    public async Task A_hundred_event_streams_on_one_remix_share_one_reader_so_its_status_is_read_per_remix_not_per_stream()
    {
        var id = await SubmitAsync();
        var streams = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => EventStream.OpenAsync(Client, id)));
        try
        {
            foreach (var stream in streams)
            {
                Assert.Equal("IN_QUEUE.0", (await stream.ReadAsync()).Id);
            }

            // The replica's own meters: the other tests' hosts in this process have theirs.
            var meters = Gateway.Services.GetRequiredService<IMeterFactory>();
            using var streamsOpen = new MetricCollector<long>(meters, GatewayMeter.Name, "gateway.streams.open");
            using var remixesFollowed = new MetricCollector<int>(meters, GatewayMeter.Name, "gateway.streams.remixes");
            using var reads = new MetricCollector<long>(meters, GatewayMeter.Name, "gateway.status.reads");
            streamsOpen.RecordObservableInstruments();
            remixesFollowed.RecordObservableInstruments();
            Assert.Equal(100, streamsOpen.LastMeasurement?.Value);
            Assert.Equal(1, remixesFollowed.LastMeasurement?.Value);

            // Three seconds of a poll interval of 1 s: a hundred streams reading on their own would read 300 times.
            await Task.Delay(TimeSpan.FromSeconds(3), Cancellation);
            Assert.InRange(reads.GetMeasurementSnapshot().Sum(read => read.Value), 1, 6);

            // One change, every stream told.
            _clock.Advance(Step);
            foreach (var stream in streams)
            {
                EventFrame frame;
                do
                {
                    frame = await stream.ReadAsync();
                }
                while (frame.IsHeartbeat);

                Assert.Equal("IN_PROGRESS", frame.Id);
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }

        // The last stream gone, the remix is followed no more.
        using var followed = new MetricCollector<int>(Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMeter.Name, "gateway.streams.remixes");
        for (var wait = 0; wait < 100 && followed.LastMeasurement?.Value != 0; wait++)
        {
            await Task.Delay(50, Cancellation);
            followed.RecordObservableInstruments();
        }

        Assert.Equal(0, followed.LastMeasurement?.Value);
    }

    [Fact]
    public async Task A_stream_with_nothing_new_gets_a_heartbeat_comment_after_each_300_ms_of_silence_and_no_repeated_event()
    {
        var id = await SubmitAsync();
        using var stream = await EventStream.OpenAsync(Client, id);
        var first = await stream.ReadAsync();
        Assert.Equal(["id: IN_QUEUE.0", "event: status"], first.Lines[..2]);
        var clock = Stopwatch.StartNew();

        var next = new List<EventFrame>();
        while (clock.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            next.Add(await stream.ReadAsync());
        }

        // Heartbeats also between polls a second apart: about eight in 2.5 s; one per poll would be two.
        Assert.All(next, frame => Assert.Equal([": heartbeat"], frame.Lines));
        Assert.True(next.Count >= 4, $"{next.Count} heartbeats in {clock.Elapsed.TotalSeconds:F1} s");

        // Meanwhile Sunra is asked about once a second: the first status, then the polls at 1 s and 2 s.
        Assert.InRange(StatusCalls, 2, 2 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_IN_PROGRESS_while_in_progress_gets_only_what_is_new()
    {
        var id = await SubmitAsync();
        _clock.Advance(Step);
        Assert.Equal("IN_PROGRESS", await StatusOfAsync(id));
        var before = StatusCalls;

        // The stream's first status is taken before its headers come: IN_PROGRESS, which the caller had.
        using var stream = await EventStream.OpenAsync(Client, id, lastEventId: "IN_PROGRESS");
        _clock.Advance(Step);
        var events = await stream.ReadEventsToEndAsync();

        Assert.Equal(["COMPLETED"], events.Select(frame => frame.Id));
        Assert.Equal("COMPLETED", JsonDocument.Parse(events[0].Data!).RootElement.GetProperty("status").GetString());
        Assert.InRange(StatusCalls - before, 1, 4);
    }

    [Theory]
    [InlineData("COMPLETED")]
    [InlineData("CANCELED")]
    public async Task Reconnecting_with_the_final_Last_Event_ID_gets_no_event_and_nothing_more_without_asking_Sunra(string final)
    {
        var id = await SubmitAsync();
        if (final == "CANCELED")
        {
            using var cancel = await Client.PostAsync($"/remix/{id}/cancel", null, Cancellation);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        _clock.Advance(Step * 2);
        Assert.Equal(final, await StatusOfAsync(id));
        var before = Sunra.Calls.Count;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/remix/{id}/events");
        request.Headers.Add("Last-Event-ID", final);
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation);

        // A 204, which stops a browser's EventSource from reconnecting.
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancellation));

        Assert.Equal(before, Sunra.Calls.Count);
    }

    [Fact]
    public async Task A_stream_ends_right_after_its_final_event_COMPLETED_or_CANCELED()
    {
        var completed = await SubmitAsync();
        var canceled = await SubmitAsync();
        using var toCompletion = await EventStream.OpenAsync(Client, completed);
        using var toCancellation = await EventStream.OpenAsync(Client, canceled);
        Assert.StartsWith("IN_QUEUE.", (await toCompletion.ReadAsync()).Id, StringComparison.Ordinal);
        Assert.StartsWith("IN_QUEUE.", (await toCancellation.ReadAsync()).Id, StringComparison.Ordinal);

        using (var cancel = await Client.PostAsync($"/remix/{canceled}/cancel", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        _clock.Advance(Step * 2);
        await Task.WhenAll(AssertEndsRightAfterAsync(toCompletion, "COMPLETED"), AssertEndsRightAfterAsync(toCancellation, "CANCELED"));

        // For each: the first status, then a poll a second until the final one (a poll a hair early
        // is answered by the kept IN_QUEUE).
        Assert.InRange(StatusCallsFor(completed), 2, 4);
        Assert.InRange(StatusCallsFor(canceled), 2, 4);
    }

    private static async Task AssertEndsRightAfterAsync(EventStream stream, string final)
    {
        EventFrame frame;
        do
        {
            frame = await stream.ReadAsync();
        }
        while (frame.IsHeartbeat || frame.Id!.StartsWith("IN_QUEUE.", StringComparison.Ordinal));

        Assert.Equal(final, frame.Id);
        Assert.Equal("status", frame.Type);
        Assert.Equal(final, JsonDocument.Parse(frame.Data!).RootElement.GetProperty("status").GetString());

        // Not a heartbeat after it (one would come within a second if the stream were still open): the end.
        Assert.Null(await stream.TryReadAsync());
    }

    private int StatusCallsFor(string id) =>
        Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.StartsWith($"/v1/queue/requests/{id}/status", StringComparison.Ordinal));

    private async Task<string> SubmitAsync() => (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;

    private async Task<string> StatusOfAsync(string id)
    {
        using var response = await Client.GetAsync($"/remix/{id}/status", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("status").GetString()!;
    }
}
