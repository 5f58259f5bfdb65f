using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>One kind of call to load a server with: method, path, headers and body.</summary>
internal sealed record Call(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string? Body = null);

/// <summary>What one run of the load generator measured.</summary>
internal sealed record Load(long Requests, TimeSpan Duration, double P50Ms, double P99Ms, long Errors)
{
    public double PerSecond => Requests / Duration.TotalSeconds;
}

/// <summary>
/// wrk (from Debian) at a fixed number of connections on one thread: a load generator written in C
/// takes little of the two cores from the servers it measures. A Lua script sets the call and hands
/// back the figures as one line.
/// </summary>
internal static class Wrk
{
    public static async Task<Load> RunAsync(string baseUrl, Call call, int connections, TimeSpan duration, string work)
    {
        var script = Path.Combine(work, "wrk.lua");
        await File.WriteAllTextAsync(script, Script(call));
        var start = new ProcessStartInfo("wrk")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--threads", "1", "--connections", connections.ToString(CultureInfo.InvariantCulture),
            "--duration", $"{(int)Math.Ceiling(duration.TotalSeconds)}s", "--timeout", "10s",
            "--script", script, baseUrl + call.Path,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = wrk.StandardOutput.ReadToEndAsync();
        var errors = wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("BENCH ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no figures (exit {wrk.ExitCode}): {await output}{await errors}");

        var f = line.Split(' ')[1..].Select(n => long.Parse(n, CultureInfo.InvariantCulture)).ToArray();
        return new Load(
            Requests: f[0],
            Duration: TimeSpan.FromMicroseconds(f[1]),
            P50Ms: f[2] / 1000.0,
            P99Ms: f[3] / 1000.0,
            Errors: f[4] + f[5] + f[6] + f[7] + f[8]);
    }

    private static string Script(Call call)
    {
        var lua = new StringBuilder();
        lua.Append(CultureInfo.InvariantCulture, $"wrk.method = {Quote(call.Method)}\n");
        if (call.Body is not null)
        {
            lua.Append(CultureInfo.InvariantCulture, $"wrk.body = {Quote(call.Body)}\n");
        }

        foreach (var (name, value) in call.Headers)
        {
            lua.Append(CultureInfo.InvariantCulture, $"wrk.headers[{Quote(name)}] = {Quote(value)}\n");
        }

        // Errors: connect, read, write and timeouts, and every answer of 400 or more (wrk's "status").
        lua.Append("""
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d\n",
                summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
                e.connect, e.read, e.write, e.status, e.timeout))
            end

            """);
        return lua.ToString();
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
