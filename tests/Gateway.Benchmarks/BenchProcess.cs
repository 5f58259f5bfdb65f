using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks;

/// <summary>
/// A server the benchmark runs: its output goes to a file (as a container runtime would take it),
/// not through the benchmark, and its memory and CPU time are read from <c>/proc</c>.
/// </summary>
internal sealed class BenchProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process process;
    private readonly Stopwatch sinceStart;

    private BenchProcess(Process process, Stopwatch sinceStart)
    {
        this.process = process;
        this.sinceStart = sinceStart;
    }

    public int Id => process.Id;

    public static BenchProcess Start(string file, IEnumerable<string> arguments, string output, IDictionary<string, string> environment, string? directory = null)
    {
        // exec keeps the process id: the shell only points the output at the file.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = directory ?? Environment.CurrentDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" > \"$BENCH_OUTPUT\" 2>&1");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BENCH_OUTPUT"] = output;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        return new BenchProcess(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start"), clock);
    }

    /// <summary>Waits for <paramref name="url"/> to answer 2xx (or 401 where that is the sign of life) and says how long the process took to get there.</summary>
    public async Task<TimeSpan> WaitUntilAnswersAsync(Uri url, TimeSpan limit, bool expectUnauthorized = false)
    {
        while (sinceStart.Elapsed < limit)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{url.Authority} exited with code {process.ExitCode} before it answered");
            }

            try
            {
                using var answer = await Probe.GetAsync(url);
                if (answer.IsSuccessStatusCode || (expectUnauthorized && answer.StatusCode == HttpStatusCode.Unauthorized))
                {
                    return sinceStart.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"{url} did not answer within {limit.TotalSeconds} s");
    }

    /// <summary>Resident memory now and at its peak, in MiB.</summary>
    public (double Now, double Peak) Memory()
    {
        double now = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                now = Kilobytes(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024.0;
            }
        }

        return (now, peak);
    }

    /// <summary>User and system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        // /proc/{pid}/stat: the name in parentheses may hold spaces, so count fields after it.
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
