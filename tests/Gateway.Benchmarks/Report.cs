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
            remixes accepted, an owner record each kept 7 days {store}: {(remixesHeld is { } held ? held.ToString("N0", CultureInfo.InvariantCulture) : "-")}
            """);
    }

    private static string Bytes(double? bytes) => bytes switch
    {
        null => "-",
        >= 1024 => Invariant($"{bytes / 1024:0.0} KiB"),
        _ => Invariant($"{bytes:0} B"),
    };

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
