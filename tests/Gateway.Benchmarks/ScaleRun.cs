using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Sunra;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Benchmarks;

/// <summary>
/// How one size of the scale run is laid out on the run's clock. Remixes are submitted through the
/// gateway one every <see cref="SubmitGap"/> (96 a minute, under Sunra's 100: see below) from the
/// start, and each runs at Sunra for exactly <see cref="InFlight"/> gaps, so from <see cref="Filled"/>
/// on one remix completes each gap as the next is submitted, and N are in flight at every moment: the
/// steady state of an account that keeps N remixes going. Every remix is watched from
/// <see cref="WatchFrom"/> on (or from its submit, if later), a warm-up of at least one and a half poll
/// intervals before the measured window, so that the first round of polls, in which every remix is
/// new, is over. Figures are taken over <see cref="Window"/>: the calls that reached Sunra in it, and the
/// notice delay of every remix that completed in it.
/// </summary>
/// <param name="InFlight">N: the remixes in flight at once.</param>
/// <param name="SubmitFactor">How much faster than real time the clock runs while the remixes are submitted and nobody watches yet.</param>
/// <param name="WatchFactor">How much faster than real time the clock runs while they are watched.</param>
/// <param name="Push">Sunra calls back at the end of each remix (<c>Sunra:CallbackBaseUrl</c>): polls drop to the keep-alive.</param>
internal sealed record ScalePlan(int InFlight, double SubmitFactor, double WatchFactor, bool Push = false)
{
    /// <summary>
    /// The submitter keeps 4 % under Sunra's 100 a minute, one every 0.625 s: at the limit itself the
    /// gateway's budget would hold submits back by the quarter of a second its windows keep in hand, and
    /// how the budget paces submits is not what this run measures. Status polls are held under no limit
    /// but the gateway's own.
    /// </summary>
    public static readonly TimeSpan SubmitGap = TimeSpan.FromSeconds(0.625);

    /// <summary>Each watcher reads its remix's status once a second of the clock, as Sunra's JavaScript client polls.</summary>
    public static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(1);

    private static readonly SunraOptions Defaults = new();

    /// <summary>B: the polls a second the gateway's default budget allows (PollShare × min(100, 1,800 / 60) = 24).</summary>
    public static double PollsPerSecond => Defaults.Limits.PollShare * Math.Min(Defaults.Limits.OtherCallsPerSecond, Defaults.Limits.OtherCallsPerMinute / 60.0);

    /// <summary>With push on, the shortest time between two polls of one remix: <c>Sunra:KeepAlivePollSeconds</c>, at its default.</summary>
    public static TimeSpan KeepAlive => TimeSpan.FromSeconds(Math.Max(Defaults.KeepAlivePollSeconds, Defaults.StatusPollIntervalSeconds));

    /// <summary>
    /// The interval the gateway should settle on: N / B, never under <c>Sunra:StatusPollIntervalSeconds</c>,
    /// nor under the keep-alive with push on. The keep-alive is a floor: where N / B is longer, the polls
    /// still spend the budget.
    /// </summary>
    public TimeSpan ExpectedInterval => TimeSpan.FromSeconds(Math.Max(Push ? KeepAlive.TotalSeconds : Defaults.StatusPollIntervalSeconds, InFlight / PollsPerSecond));

    /// <summary>"push" or "poll", as the report names the mode.</summary>
    public string Mode => Push ? "push" : "poll";

    /// <summary>How long each remix takes at Sunra, from submit to COMPLETED.</summary>
    public TimeSpan RunTime => SubmitGap * InFlight;

    /// <summary>When N remixes are in flight: from then on each completion is matched by a submit.</summary>
    public TimeSpan Filled => SubmitGap * InFlight;

    public TimeSpan WarmUp => Max(TimeSpan.FromSeconds(30), ExpectedInterval * 1.5);

    public TimeSpan WatchFrom => Max(TimeSpan.Zero, Filled - WarmUp);

    /// <summary>At least 480 completions (at one a gap), and at least one poll interval.</summary>
    public TimeSpan Window => Max(TimeSpan.FromSeconds(300), ExpectedInterval);

    /// <summary>How long after the window a remix that completed in it may take to be seen before the run calls it an error.</summary>
    public TimeSpan SeenWithin => TimeSpan.FromSeconds(60) + ExpectedInterval * 2;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>What one size of the scale run measured; times are the clock's (simulated) unless named real.</summary>
internal sealed record ScaleFigures(
    ScalePlan Plan,
    TimeSpan Simulated,
    TimeSpan Real,
    (int Min, double Mean, int Max) InFlight,
    (double Min, double Mean, double Max) Interval,
    (long Min, double Mean, long Max) Followed,
    SunraCalls WindowCalls,
    int Completed,
    int SubmitsMissed,
    long Throttled,
    long PollsHeldBack,
    TimeSpan CpuPerSecond,
    double[] Delays,
    double ReadsPerWatcherSecond,
    TimeSpan LongestLag,
    long Warnings,
    CallbackAnswers Callbacks,
    IReadOnlyDictionary<string, long> CallbacksLeft,
    IReadOnlyList<string> Errors)
{
    public double CallsPerRemix => (double)(WindowCalls.Submits + WindowCalls.Statuses + WindowCalls.Results + WindowCalls.Others) / Completed;

    public double Percentile(double p)
    {
        if (Delays.Length == 0)
        {
            return double.NaN;
        }

        var ordered = Delays.Order().ToArray();
        return ordered[Math.Clamp((int)Math.Ceiling(p / 100 * ordered.Length) - 1, 0, ordered.Length - 1)];
    }

    /// <summary>The share of the remixes measured whose watcher saw COMPLETED within <paramref name="seconds"/> of Sunra's completion.</summary>
    public double SeenWithin(double seconds) => Delays.Length == 0 ? double.NaN : Delays.Count(delay => delay <= seconds) / (double)Delays.Length;
}

/// <summary>
/// The scale run: N remixes in flight through the gateway against Sunra's real account limits. In real
/// time it cannot run in minutes: 10,000 remixes at 100 submits a minute take 100 minutes to submit,
/// and each must stay in flight that long. So it runs on a compressed clock (<see cref="CompressedClock"/>)
/// that the gateway and the emulator share, with the gateway's records in memory (Redis keeps its
/// windows on its own clock, which no one can compress).
/// Submits go through the gateway's HTTP door, over the loopback (Kestrel); each remix's watcher reads its status through the
/// gateway's core in this process (<see cref="RemixStatuses"/>, what every door calls), since 10,000
/// watchers reading once a second of a clock running several times faster than real time is more HTTP
/// than two cores serve, and the figures are about Sunra's calls and the notice delay, not the door's speed.
/// A watcher that sees COMPLETED reads the result once, as a client fetching its video, and stops.
/// With push on (<see cref="ScalePlan.Push"/>), the emulator POSTs Sunra's callback to the gateway's
/// loopback address when each remix ends, on a timer of the same clock.
/// </summary>
internal static class ScaleRun
{
    private const int SlotsPerRead = 10;

    public static async Task<ScaleFigures> RunAsync(ScalePlan plan, TextWriter progress)
    {
        var real = Stopwatch.StartNew();
        var errors = new List<string>();
        var clock = new CompressedClock(DateTimeOffset.UtcNow, factor: 1);
        await using var sunra = await ScaleSunra.StartAsync(plan.RunTime, clock);
        var log = new ScaleLog();
        var callbacks = new ScaleCallbacks();
        await using var gateway = new ScaleGateway(sunra.BaseUrl, clock, log, callbacks, plan.Push);
        gateway.StartServer();

        // Real HTTP on the loopback, as a deployed gateway's callers (and Sunra's callbacks) reach it.
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, ScaleGateway.CallerKey);
        var cadence = gateway.Services.GetRequiredService<PollCadence>();
        using var heldBack = new PollsHeldBack();

        var watch = new Watchers(gateway.Services, clock, errors);
        var remixes = new List<Remix>();
        using var stopSubmitting = new CancellationTokenSource();
        using var stop = new CancellationTokenSource();
        var submitting = SubmitAsync(plan, client, clock, sunra, watch, remixes, errors, stopSubmitting.Token);

        await DelayUntilAsync(clock, plan.WatchFrom);
        clock.ChangeFactor(plan.WatchFactor);
        watch.Start(plan.WatchFrom);
        var watching = watch.RunAsync(stop.Token);
        progress.WriteLine($"  N={plan.InFlight:N0}, {plan.Mode}: watching from {plan.WatchFrom.TotalSeconds:0} s of the clock, {real.Elapsed.TotalSeconds:0} s in");

        await DelayUntilAsync(clock, plan.Filled);
        var callsBefore = sunra.Calls.Now;
        var heldBefore = heldBack.Polls;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var windowEnd = plan.Filled + plan.Window;
        var inFlight = new List<int>();
        var intervals = new List<double>();
        var followed = new List<long>();
        var sampleEvery = plan.Window / 60;
        for (var at = plan.Filled; at < windowEnd; at += sampleEvery)
        {
            await DelayUntilAsync(clock, at);
            var now = clock.GetUtcNow();
            inFlight.Add(sunra.Requests.All.Count(request => request.SubmittedAt <= now && now < sunra.Requests.CompletesAt(request)));

            intervals.Add(cadence.Interval.TotalSeconds);
            followed.Add(cadence.Followed);
        }

        await DelayUntilAsync(clock, windowEnd);
        var windowCalls = sunra.Calls.Now - callsBefore;
        var heldInWindow = heldBack.Polls - heldBefore;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        // The emulator keeps Sunra's requests up to 11,000 (it may run for hours in sandbox mode) and forgets
        // the oldest beyond: with 10,000 in flight, the window's remixes must not be pushed out while
        // their watchers have yet to see them complete, so no more are bought once the window is over.
        await stopSubmitting.CancelAsync();
        var missed = await submitting;
        progress.WriteLine($"  N={plan.InFlight:N0}, {plan.Mode}: window over at {windowEnd.TotalSeconds:0} s of the clock, {real.Elapsed.TotalSeconds:0} s in; waiting for its last completions to be seen");

        // Every remix that completed in the window must be seen before its delay is known.
        var start = clock.Start;
        Remix[] measured;
        lock (remixes)
        {
            measured = [.. remixes.Where(r => r.CompletesAt >= start + plan.Filled && r.CompletesAt < start + windowEnd)];
        }

        while (measured.Any(r => r.SeenAt is null) && clock.Elapsed < windowEnd + plan.SeenWithin)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), clock);
        }

        var unseen = measured.Count(r => r.SeenAt is null);
        if (unseen > 0)
        {
            lock (errors)
            {
                errors.Add($"{unseen} remixes that completed in the window were not seen COMPLETED within {plan.SeenWithin.TotalSeconds:0} s after it");
            }
        }

        var simulated = clock.Elapsed;
        await stop.CancelAsync();
        await watching;

        return new ScaleFigures(
            plan,
            simulated,
            real.Elapsed,
            (inFlight.Min(), inFlight.Average(), inFlight.Max()),
            (intervals.Min(), intervals.Average(), intervals.Max()),
            (followed.Min(), followed.Average(), followed.Max()),
            windowCalls,
            measured.Length,
            missed,
            sunra.Limiter.Throttled,
            heldInWindow,
            cpu / plan.Window.TotalSeconds,
            [.. measured.Where(r => r.SeenAt is not null).Select(r => (r.SeenAt!.Value - r.CompletesAt).TotalSeconds)],
            watch.ReadsPerWatcherSecond,
            watch.LongestLag,
            log.Count,
            callbacks.Now,
            log.CallbacksLeft,
            [.. errors, .. log.First.Select(line => "gateway log: " + line).Take(errors.Count == 0 ? 0 : 3)]);
    }

    /// <summary>
    /// Submits a remix through the gateway every <see cref="ScalePlan.SubmitGap"/> of the clock until
    /// told to stop, one at a time, as a single worker of an ordering service would. A moment missed
    /// (the machine was busy) is not made up: submits fired apart on the clock but held up on the way
    /// would reach Sunra together, and its per-second window would see a burst the gateway never sent
    /// (the clock multiplies every real delay by K). The first few run in real time, so that the code
    /// they run through is compiled before the clock speeds up. Returns the moments missed.
    /// </summary>
    private static async Task<int> SubmitAsync(
        ScalePlan plan, HttpClient client, CompressedClock clock, ScaleSunra sunra, Watchers watch, List<Remix> remixes, List<string> errors, CancellationToken stop)
    {
        const int InRealTime = 4;
        var missed = 0;
        var next = TimeSpan.Zero;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                await DelayUntilAsync(clock, next, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await SubmitOneAsync(i);
            if (i == InRealTime - 1)
            {
                clock.ChangeFactor(plan.SubmitFactor);
            }

            // The moments stay where they are on the clock: a submit a little late leaves the next on time.
            next += ScalePlan.SubmitGap;
            if (clock.Elapsed > next + ScalePlan.SubmitGap)
            {
                var skipped = (int)((clock.Elapsed - next) / ScalePlan.SubmitGap);
                missed += skipped;
                next += ScalePlan.SubmitGap * skipped;
            }
        }

        return missed;

        async Task SubmitOneAsync(int i)
        {
            var body = $$"""{"video_id":"video_scale","prompt":"The scale run's remix {{i}}: the same scene at dusk, in watercolour."}""";
            using var answer = await client.PostAsync("/remix", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
            if (answer.StatusCode != HttpStatusCode.Accepted)
            {
                var problem = await answer.Content.ReadAsStringAsync(CancellationToken.None);
                lock (errors)
                {
                    errors.Add($"a submit was answered {(int)answer.StatusCode}: {problem}");
                }

                return;
            }

            var id = (await answer.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("request_id").GetString()!;
            var atSunra = sunra.Requests.Find(id) ?? throw new InvalidOperationException($"the gateway's {id} is not at Sunra");
            var remix = new Remix(id, sunra.Requests.CompletesAt(atSunra));
            lock (remixes)
            {
                remixes.Add(remix);
            }

            watch.Add(remix);
        }
    }

    private static async Task DelayUntilAsync(CompressedClock clock, TimeSpan at, CancellationToken cancellationToken = default)
    {
        var left = at - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, clock, cancellationToken);
        }
    }

    /// <summary>A remix submitted: when Sunra completes it (on the clock), and when its watcher first read COMPLETED.</summary>
    private sealed class Remix(string id, DateTimeOffset completesAt)
    {
        public string Id { get; } = id;

        public DateTimeOffset CompletesAt { get; } = completesAt;

        private long _seenAtTicks = long.MinValue;

        /// <summary>When its watcher first read COMPLETED (its watcher writes it, the run reads it).</summary>
        public DateTimeOffset? SeenAt
        {
            get => Volatile.Read(ref _seenAtTicks) is var ticks && ticks != long.MinValue ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
            set => Volatile.Write(ref _seenAtTicks, value?.UtcTicks ?? long.MinValue);
        }

        /// <summary>Which tenth of each second of the clock its watcher reads in: watchers are spread over the second, as independent clients are.</summary>
        public int Slot { get; } = Random.Shared.Next(SlotsPerRead);

        public long Reads { get; set; }

        public DateTimeOffset WatchedSince { get; set; }
    }

    /// <summary>
    /// One watcher per remix, reading its status through the core once a second of the clock: each tenth
    /// of a second the watchers of that slot read, in parallel. Until <see cref="Start"/> nobody watches;
    /// remixes submitted before wait to be watched.
    /// </summary>
    private sealed class Watchers(IServiceProvider services, CompressedClock clock, List<string> errors)
    {
        private readonly List<Remix>[] _slots = [.. Enumerable.Range(0, SlotsPerRead).Select(_ => new List<Remix>())];
        private readonly List<Remix> _waiting = [];
        private readonly List<Remix> _done = [];
        private bool _started;
        private TimeSpan _longestLag;

        public TimeSpan LongestLag => _longestLag;

        /// <summary>Reads made per watcher per second of the clock watched: 1 when the watchers kept up.</summary>
        public double ReadsPerWatcherSecond
        {
            get
            {
                lock (_waiting)
                {
                    var all = _slots.SelectMany(slot => slot).Concat(_done).ToArray();
                    var now = clock.GetUtcNow();
                    var watched = all.Sum(r => ((r.SeenAt ?? now) - r.WatchedSince).TotalSeconds);
                    return all.Sum(r => r.Reads) / watched;
                }
            }
        }

        public void Add(Remix remix)
        {
            lock (_waiting)
            {
                if (!_started)
                {
                    _waiting.Add(remix);
                    return;
                }

                remix.WatchedSince = clock.GetUtcNow();
                _slots[remix.Slot].Add(remix);
            }
        }

        public void Start(TimeSpan at)
        {
            lock (_waiting)
            {
                _started = true;
                foreach (var remix in _waiting)
                {
                    remix.WatchedSince = clock.Start + at;
                    _slots[remix.Slot].Add(remix);
                }

                _waiting.Clear();
            }
        }

        public async Task RunAsync(CancellationToken stop)
        {
            var tick = ScalePlan.ReadEvery / SlotsPerRead;
            var next = clock.Elapsed;
            for (var slot = 0; !stop.IsCancellationRequested; slot = (slot + 1) % SlotsPerRead)
            {
                try
                {
                    await DelayUntilAsync(clock, next, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var lag = clock.Elapsed - next;
                _longestLag = lag > _longestLag ? lag : _longestLag;
                Remix[] batch;
                lock (_waiting)
                {
                    batch = [.. _slots[slot]];
                }

                // One scope for the round, not one per read: the core's services hold no state of a request,
                // and making them ten thousand times a second of the clock would cost more than the reads.
                await using (var scope = services.CreateAsyncScope())
                {
                    var statuses = scope.ServiceProvider.GetRequiredService<RemixStatuses>();
                    await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (remix, _) => new ValueTask(ReadAsync(statuses, remix)));
                }

                lock (_waiting)
                {
                    _slots[slot].RemoveAll(remix => remix.SeenAt is not null);
                    _done.AddRange(batch.Where(remix => remix.SeenAt is not null));
                }

                next += tick;
            }
        }

        private async Task ReadAsync(RemixStatuses statuses, Remix remix)
        {
            var status = await statuses.GetAsync(remix.Id, ScaleGateway.Caller, logs: false, CancellationToken.None);
            var at = clock.GetUtcNow();
            remix.Reads++;
            if (status.Failed)
            {
                Fail($"a status read of {remix.Id} failed: {status.Problem.Status} {status.Problem.Type.Name}: {status.Problem.Detail}");
                return;
            }

            if (status.Value.Status != RemixState.Completed)
            {
                return;
            }

            remix.SeenAt = at;
            var result = await statuses.ReadResultAsync(remix.Id, ScaleGateway.Caller, CancellationToken.None);
            if (result.Kind != ResultKind.Video)
            {
                Fail($"the result of {remix.Id} was {result.Kind}: {result.Problem?.Type.Name} {result.Problem?.Detail}");
            }
        }

        private void Fail(string error)
        {
            lock (errors)
            {
                errors.Add(error);
            }
        }
    }

    /// <summary>Status polls the gateway's budget held back (<c>gateway.sunra.held_back</c>, operation status): reads that found a stale status and got the kept one.</summary>
    private sealed class PollsHeldBack : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _polls;

        public PollsHeldBack()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GatewayMeter.Name && instrument.Name == "gateway.sunra.held_back")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "operation", Value: "status" })
                    {
                        Interlocked.Add(ref _polls, value);
                    }
                }
            });
            _listener.Start();
        }

        public long Polls => Interlocked.Read(ref _polls);

        public void Dispose() => _listener.Dispose();
    }
}
