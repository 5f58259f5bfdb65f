namespace Gateway.Benchmarks;

/// <summary>
/// The throughput scenarios: POST /remix and a cached status read, through the published gateway,
/// side by side with the same calls made straight to the upstream and through a plain YARP pass-through.
/// </summary>
internal static class ThroughputRun
{
    /// <summary>Runs the scenarios, prints their tables and returns the errors found.</summary>
    public static async Task<List<string>> RunAsync(BenchOptions options, string root)
    {
        var work = Directory.CreateDirectory(Path.Combine(root, "artifacts", "benchmarks", "work")).FullName;
        var gatewayPublish = options.Gateway ?? Path.Combine(root, "artifacts", "publish", "Gateway");
        var yarpPublish = Path.Combine(root, "artifacts", "publish", "Gateway.Benchmarks.Yarp");

        await using var upstream = await FastUpstream.StartAsync(work);
        await using var redis = options.Store == "redis" ? await BenchRedis.StartAsync(work) : null;
        var startups = new List<TimeSpan>();
        for (var i = 1; i < options.Startups; i++)
        {
            var (once, ready) = await Server.StartGatewayAsync(gatewayPublish, upstream, work, redis?.ConnectionString);
            startups.Add(ready);
            await once.DisposeAsync();
        }

        var (gateway, gatewayReady) = await Server.StartGatewayAsync(gatewayPublish, upstream, work, redis?.ConnectionString);
        startups.Add(gatewayReady);
        await using var _ = gateway;
        var (yarp, _) = await Server.StartYarpAsync(yarpPublish, upstream, work);
        await using var __ = yarp;
        var direct = new Server("nginx direct (no proxy)", upstream.BaseUrl, process: null, allocatedBytes: null);

        const string Body = """{"video_id":"video_123","prompt":"The same scene at dusk, in watercolour, with the camera slowly pulling back."}""";
        var completed = await gateway.CompletedRemixAsync(Body);
        upstream.TakeCalls();

        var sunraHeaders = new Dictionary<string, string> { ["Authorization"] = $"Key {FastUpstream.SunraKey}" };
        var sunraSubmit = new Call("POST", "/v1/queue/openai/sora-2/video-to-video", new Dictionary<string, string>(sunraHeaders) { ["Content-Type"] = "application/json" }, Body);
        var sunraStatus = new Call("GET", $"/v1/queue/requests/{completed}/status", sunraHeaders);
        var callerHeaders = new Dictionary<string, string> { ["X-Api-Key"] = Server.CallerKey };
        var scenarios = new Scenario[]
        {
            new("POST /remix: submit a remix (every call reaches the upstream)",
                [(direct, sunraSubmit), (yarp, sunraSubmit), (gateway, new Call("POST", "/remix", new Dictionary<string, string>(callerHeaders) { ["Content-Type"] = "application/json" }, Body))]),
            new("GET /remix/{id}/status of a COMPLETED remix (the gateway answers from its store; the others ask the upstream)",
                [(direct, sunraStatus), (yarp, sunraStatus), (gateway, new Call("GET", $"/remix/{completed}/status", callerHeaders))]),
        };

        Console.WriteLine(Report.Heading(options));
        var failures = new List<string>();
        var measured = scenarios.ToDictionary(s => s, s => s.Targets.ToDictionary(t => t.Server, _ => new List<Measurement>()));
        foreach (var scenario in scenarios)
        {
            foreach (var (server, call) in scenario.Targets.Where(_ => options.Warmup > TimeSpan.Zero))
            {
                await Wrk.RunAsync(server.BaseUrl, call, options.Connections, options.Warmup, work);
            }
        }

        // Rounds take the targets in turn, so a slow spell of the machine is shared out, not pinned on one.
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var scenario in scenarios)
            {
                foreach (var (server, call) in scenario.Targets)
                {
                    var measurement = await MeasureAsync(server, call);
                    measured[scenario][server].Add(measurement);
                    failures.AddRange(Check(scenario, server, measurement));
                }
            }
        }

        foreach (var scenario in scenarios)
        {
            Console.WriteLine(Report.Table(scenario, measured[scenario]));
        }

        var (_, gatewayPeak) = gateway.Process!.Memory();
        var (_, yarpPeak) = yarp.Process!.Memory();
        Console.WriteLine(Report.Footer(startups, gatewayPeak, yarpPeak, await gateway.AcceptedRemixesAsync(), redis?.Process.Memory().Now));
        return failures;

        async Task<Measurement> MeasureAsync(Server server, Call call)
        {
            var allocatedBefore = server.AllocatedBytesAsync() is { } before ? await before : null;
            var cpuBefore = server.Process?.CpuTime();
            upstream.TakeCalls();
            using var sampling = new CancellationTokenSource();
            var rss = SampleResidentMemoryAsync(server.Process, sampling.Token);

            var load = await Wrk.RunAsync(server.BaseUrl, call, options.Connections, options.Duration, work);

            await sampling.CancelAsync();
            var rssUnderLoad = await rss;
            var calls = upstream.TakeCalls();
            var cpu = server.Process?.CpuTime() - cpuBefore;
            var allocated = server.AllocatedBytesAsync() is { } after ? await after - allocatedBefore : null;
            return new Measurement(load, calls, allocated / (double)load.Requests, cpu?.TotalMicroseconds / load.Requests, rssUnderLoad);
        }

        static async Task<double?> SampleResidentMemoryAsync(BenchProcess? process, CancellationToken stop)
        {
            if (process is null)
            {
                return null;
            }

            var highest = 0.0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try
            {
                do
                {
                    highest = Math.Max(highest, process.Memory().Now);
                }
                while (await timer.WaitForNextTickAsync(stop));
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }

            return highest;
        }

        IEnumerable<string> Check(Scenario scenario, Server server, Measurement m)
        {
            if (m.Load.Errors > 0)
            {
                yield return $"{server.Name}, {scenario.Name}: {m.Load.Errors} errors (connection errors, timeouts or answers of 400 and above)";
            }

            if (m.Load.Requests == 0)
            {
                yield return $"{server.Name}, {scenario.Name}: no request completed";
            }

            if (server == gateway && scenario == scenarios[1] && m.Upstream.Statuses > 0)
            {
                yield return $"gateway, {scenario.Name}: {m.Upstream.Statuses} status reads of a COMPLETED remix reached the upstream";
            }

            // Each accepted submit is one upstream submit: fewer would be remixes never bought.
            if (server == gateway && scenario == scenarios[0] && m.Upstream.Submits < m.Load.Requests)
            {
                yield return $"gateway, {scenario.Name}: {m.Load.Requests} submits answered but only {m.Upstream.Submits} reached the upstream";
            }
        }
    }
}

/// <summary>A kind of call and the servers it is made to, each in its own form.</summary>
internal sealed record Scenario(string Name, (Server Server, Call Call)[] Targets);

/// <summary>One run against one server: the load generator's figures and what the server spent on it.</summary>
internal sealed record Measurement(Load Load, UpstreamCalls Upstream, double? AllocatedPerRequest, double? CpuMicrosecondsPerRequest, double? ResidentMiB);
