using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>The printed figures: the machine, a table per scenario (the median round of each server), the gateway's start and memory.</summary>
internal static class Report
{
    public static string Heading(BenchOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Sora Remix Gateway benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        text.AppendLine(Invariant($"machine: {CpuModel()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}"));
        text.AppendLine(Invariant($"runtime: {RuntimeInformation.FrameworkDescription}; load: {Version("wrk", "-v")}, 1 thread, {options.Connections} connections, loopback"));
        text.AppendLine(Invariant($"upstream: {Version("/usr/sbin/nginx", "-v")} answering from memory (1 worker); the gateway's records: {(options.Store == "redis" ? "in a local redis-server" : "in memory (one replica)")}"));
        text.AppendLine(Invariant($"each run {options.Duration.TotalSeconds:0} s after a {options.Warmup.TotalSeconds:0} s warm-up; {options.Rounds} rounds taking the servers in turn; the median round by requests/s is shown"));
        return text.ToString();
    }

    public static string Table(Scenario scenario, Dictionary<Server, List<Measurement>> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(scenario.Name);
        text.AppendLine("  server                    requests/s   p50 ms   p99 ms   errors   upstream calls   alloc/request   CPU/request   RSS under load");
        foreach (var (server, measurements) in runs)
        {
            var m = measurements.OrderBy(x => x.Load.PerSecond).ElementAt(measurements.Count / 2);
            var upstream = m.Upstream.Submits + m.Upstream.Statuses + m.Upstream.Others;
            text.AppendLine(Invariant(
                $"  {server.Name,-24} {m.Load.PerSecond,12:N0} {m.Load.P50Ms,8:0.00} {m.Load.P99Ms,8:0.00} {m.Load.Errors,8} {upstream,16:N0} {Bytes(m.AllocatedPerRequest),15} {Micros(m.CpuMicrosecondsPerRequest),13} {Mib(m.ResidentMiB),16}"));
        }

        return text.ToString();
    }

    public static string Footer(List<TimeSpan> startups, double gatewayPeakMiB, double yarpPeakMiB, long? remixesHeld, double? redisMiB)
    {
        var store = redisMiB is { } mib ? Invariant($"in Redis, whose resident memory is {mib:0} MiB") : "in the gateway's memory";
        var ordered = startups.Order().ToList();
        var each = string.Join(", ", startups.Select(s => Invariant($"{s.TotalSeconds:0.00}")));
        return Invariant($"""
            gateway start-up to /health/ready: median {ordered[ordered.Count / 2].TotalSeconds:0.00} s (each: {each} s)
            peak resident memory: gateway {gatewayPeakMiB:0} MiB, YARP {yarpPeakMiB:0} MiB
            remixes accepted, each with its owner, record and kept status (30 days by default) {store}: {(remixesHeld is { } held ? held.ToString("N0", CultureInfo.InvariantCulture) : "-")}
            """);
    }

    public static string ScaleHeading()
    {
        var limits = new Gateway.Sunra.SunraLimits();
        return Invariant($"""
            Scale run: N remixes in flight through the gateway, against the emulator enforcing Sunra's account limits
            ({limits.SubmitsPerSecond} submits/s and {limits.SubmitsPerMinute}/min; {limits.OtherCallsPerSecond} other calls/s and {limits.OtherCallsPerMinute:N0}/min, a 403 over them), with the gateway's
            default Sunra:Limits (polls may spend {limits.PollShare:0.0} x min({limits.OtherCallsPerSecond}, {limits.OtherCallsPerMinute:N0}/60) = B = {ScalePlan.PollsPerSecond:0} a second) and records in memory.
            Both run on one clock K times faster than real time. A remix is submitted every {ScalePlan.SubmitGap.TotalSeconds:0.###} s of the
            clock, and runs N of those gaps, so N are in flight at once; its watcher reads its status once a second
            of the clock through the gateway's core, and reads the result once it sees COMPLETED. Figures are over
            a window of steady state; the notice delay runs from Sunra's completion to the watcher's read of COMPLETED.
            Times are the clock's (simulated) seconds. The gateway listens on a loopback port (Kestrel); with push
            on, its Sunra:CallbackBaseUrl is that address, and the emulator calls back there when each remix ends.

            """);
    }

    public static string ScaleBlock(ScaleFigures f)
    {
        var p = f.Plan;
        var w = f.WindowCalls;
        return Invariant($"""
            N = {p.InFlight:N0} remixes in flight, {Mode(p)} (measured in the window: {f.InFlight.Min:N0} to {f.InFlight.Max:N0}; moments to submit missed while the machine was busy: {f.SubmitsMissed:N0}); K = {p.SubmitFactor:0} while submitting, {p.WatchFactor:0} while watched
              simulated {f.Simulated.TotalSeconds:N0} s in {f.Real.TotalSeconds:0} s real: remixes submitted from 0 s, watched from {p.WatchFrom.TotalSeconds:N0} s, window {p.Filled.TotalSeconds:N0} s to {(p.Filled + p.Window).TotalSeconds:N0} s
              poll interval: N / B = {p.ExpectedInterval.TotalSeconds:0.0} s; the gateway's (gateway.polls.interval) {f.Interval.Mean:0.0} s (from {f.Interval.Min:0.0} to {f.Interval.Max:0.0}), remixes followed {f.Followed.Mean:N0}
              calls that reached Sunra in the window: {w.Statuses:N0} status, {w.Results:N0} result, {w.Submits:N0} submit, {w.Others:N0} other: {f.CallsPerRemix:0.0} per remix completed in it ({f.Completed:N0}), {w.Statuses / (double)f.Completed:0.0} of them status
              Sunra's 403s: {f.Throttled:N0} in the whole run; polls the budget held back in the window: {f.PollsHeldBack / p.Window.TotalSeconds:N0} a second
              notice delay: p50 {f.Percentile(50):0.0} s, p99 {f.Percentile(99):0.0} s, max {f.Percentile(100):0.0} s ({f.Delays.Length:N0} remixes)
              {Callbacks(f)}
              watchers read {f.ReadsPerWatcherSecond:0.00} times a second each; the latest a round of reads started: {f.LongestLag.TotalSeconds:0.00} s; gateway warnings: {f.Warnings:N0}
              CPU (gateway, emulator and watchers, in this process) per second of the clock in the window: {f.CpuPerSecond.TotalMilliseconds:N0} ms

            """);
    }

    public static string ScaleTable(IReadOnlyList<ScaleFigures> figures)
    {
        var text = new StringBuilder();
        text.AppendLine("  in flight   K (submit/watch)   simulated   real   interval N/B   gateway's   status   result   submit   calls/remix   403s   delay p50   delay p99");
        foreach (var f in figures)
        {
            text.AppendLine(Invariant(
                $"  {f.Plan.InFlight,9:N0} {f.Plan.SubmitFactor,10:0}/{f.Plan.WatchFactor,-7:0} {f.Simulated.TotalSeconds,11:N0} s {f.Real.TotalSeconds,4:0} s {f.Plan.ExpectedInterval.TotalSeconds,12:0.0} s {f.Interval.Mean,9:0.0} s {f.WindowCalls.Statuses,8:N0} {f.WindowCalls.Results,8:N0} {f.WindowCalls.Submits,8:N0} {f.CallsPerRemix,13:0.0} {f.Throttled,6:N0} {f.Percentile(50),9:0.0} s {f.Percentile(99),9:0.0} s"));
        }

        return text.ToString();
    }

    /// <summary>Each push run beside the poll run of the same number in flight: what Sunra's callback changes.</summary>
    public static string PushTable(IReadOnlyList<ScaleFigures> polled, IReadOnlyList<ScaleFigures> pushed)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Push against poll: Sunra:CallbackBaseUrl the gateway's loopback address, Sunra:KeepAlivePollSeconds {ScalePlan.KeepAlive.TotalSeconds:0}. The expected"));
        text.AppendLine(Invariant($"interval is N / B, or the shortest interval when that is longer ({ScalePlan.KeepAlive.TotalSeconds:0} s, the keep-alive, with push); calls are those in the window."));
        text.AppendLine("  in flight   mode    expected   gateway's   status   result   submit   calls/remix   status/remix   403s   callbacks 204/404/429/other   seen within 2 s   delay p50   delay p99   warnings");
        foreach (var push in pushed)
        {
            foreach (var f in polled.Where(poll => poll.Plan.InFlight == push.Plan.InFlight).Append(push))
            {
                var c = f.Callbacks;
                text.AppendLine(Invariant(
                    $"  {f.Plan.InFlight,9:N0}   {f.Plan.Mode,4} {f.Plan.ExpectedInterval.TotalSeconds,8:0.0} s {f.Interval.Mean,9:0.0} s {f.WindowCalls.Statuses,8:N0} {f.WindowCalls.Results,8:N0} {f.WindowCalls.Submits,8:N0} {f.CallsPerRemix,13:0.0} {f.WindowCalls.Statuses / (double)f.Completed,14:0.0} {f.Throttled,6:N0} {$"{c.Heard:N0}/{c.Unknown:N0}/{c.Limited:N0}/{c.Others:N0}",29} {f.SeenWithin(2),15:0 %} {f.Percentile(50),9:0.0} s {f.Percentile(99),9:0.0} s {f.Warnings,10:N0}"));
            }
        }

        return text.ToString();
    }

    public static string CustodyBlock(CustodyFigures f)
    {
        var mib = f.Size / (1024.0 * 1024.0);
        var copySeconds = f.CopyDelay.TotalSeconds;
        var ranges = f.Ranges.Select(range => range.TotalMilliseconds).Order().ToList();
        var oneByte = f.OneByteRanges.Select(range => range.TotalMilliseconds).Order().ToList();
        var delays = f.SmallDelays.Select(delay => delay.TotalSeconds).Order().ToList();
        return Invariant($"""

            Custody: one published gateway keeping videos in a directory (records in memory, Sunra's callback on, Sunra's limits lifted, Gateway:Custody:Concurrency 2),
            the emulator in this process serving each file from the sample's bytes; times from Sunra's completion, results read every {CustodyRun.PollEvery.TotalMilliseconds:0} ms
              one video of {mib:N0} MiB: kept {copySeconds:0.00} s after Sunra completed it, {MegabytesPerSecond(f.Size, f.CopyDelay)} (gateway CPU {f.CopyCpu.TotalSeconds:0.00} s)
              gateway peak resident memory (VmHWM): {f.BeforeCopy.Peak:0} MiB before the copy, {f.AfterCopy.Peak:0} MiB after it ({f.AfterCopy.Peak - f.BeforeCopy.Peak:+0;-0;0} MiB for a {mib:N0} MiB file); resident now {f.AfterCopy.Now:0} MiB
              served through its signed link: one client {f.OneClient.TotalSeconds:0.00} s, {MegabytesPerSecond(f.Size, f.OneClient)}; {CustodyRun.Clients} clients at once {f.SeveralClients.TotalSeconds:0.00} s, {MegabytesPerSecond(f.Size * CustodyRun.Clients, f.SeveralClients)} in all
              gateway peak resident memory after serving it {1 + CustodyRun.Clients} times: {f.AfterServing.Peak:0} MiB (resident now {f.AfterServing.Now:0} MiB)
              a {CustodyRun.RangeBytes / 1024 / 1024} MiB range from its middle (206): first {f.Ranges[0].TotalMilliseconds:0.0} ms, p50 {ranges[ranges.Count / 2]:0.0} ms over {ranges.Count} reads; a 1-byte range, p50 {oneByte[oneByte.Count / 2]:0.0} ms
              {f.SmallDelays.Length} videos of {FileSizeOfSample()} bytes completing within {f.SmallCompletionSpread.TotalSeconds:0.00} s: all kept {f.SmallSpan.TotalSeconds:0.00} s after the first completed, {f.SmallDelays.Length / f.SmallSpan.TotalSeconds:0.0} copies/s
                completion to kept: p50 {Percentile(delays, 50):0.00} s, p99 {Percentile(delays, 99):0.00} s, max {delays[^1]:0.00} s; gateway peak resident memory after them {f.AfterSmall.Peak:0} MiB
              every copy and download checked: its length, and its SHA-256 against that of the bytes the emulator sent
            """);
    }

    private static string Mode(ScalePlan plan) => plan.Push
        ? Invariant($"push (Sunra calls back; keep-alive {ScalePlan.KeepAlive.TotalSeconds:0} s)")
        : "poll";

    private static string Callbacks(ScaleFigures f) => f.Plan.Push
        ? Invariant($"callbacks the gateway answered in the whole run: {f.Callbacks.Heard:N0} 204, {f.Callbacks.Unknown:N0} 404, {f.Callbacks.Limited:N0} 429, {f.Callbacks.Others:N0} other; after its status call the gateway knew {Left(f.CallbacksLeft)}; remixes seen COMPLETED within 2 s: {f.SeenWithin(2):0 %}")
        : Invariant($"no callbacks (Sunra:CallbackBaseUrl unset); remixes seen COMPLETED within 2 s: {f.SeenWithin(2):0 %}");

    private static string Left(IReadOnlyDictionary<string, long> left) =>
        left.Count == 0 ? "nothing (no callback logged)" : string.Join(", ", left.OrderByDescending(status => status.Value).Select(status => Invariant($"{status.Key} {status.Value:N0}")));

    private static string Bytes(double? bytes) => bytes switch
    {
        null => "-",
        >= 1024 => Invariant($"{bytes / 1024:0.0} KiB"),
        _ => Invariant($"{bytes:0} B"),
    };

    private static string MegabytesPerSecond(long bytes, TimeSpan elapsed) => Invariant($"{bytes / elapsed.TotalSeconds / 1e6:N0} MB/s");

    // Nearest rank: the smallest value at or above the given share of them.
    private static double Percentile(List<double> ordered, int percent) => ordered[Math.Max(0, (int)Math.Ceiling(percent / 100.0 * ordered.Count) - 1)];

    private static int FileSizeOfSample() => global::Sunra.Emulator.FileHosting.Sample.Length;

    private static string Micros(double? micros) => micros is null ? "-" : Invariant($"{micros:0} µs");

    private static string Mib(double? mib) => mib is null ? "-" : Invariant($"{mib:0} MiB");

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    // wrk and nginx print their versions on the first line of stdout and stderr respectively.
    private static string Version(string program, string flag)
    {
        var start = new ProcessStartInfo(program, flag) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        var first = output.Split('\n')[0].Trim();
        return first.StartsWith("nginx version: ", StringComparison.Ordinal) ? first["nginx version: ".Length..] : first.Split(" [")[0];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
