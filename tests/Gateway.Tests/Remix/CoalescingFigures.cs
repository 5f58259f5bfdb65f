using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Remix;

/// <summary>
/// The figures of coalesced status: how many status polls callers make against how many status calls
/// Sunra sees, for 1, 10 and 100 watchers of one remix. Printed, and saved to
/// <c>artifacts/figures/status-coalescing.txt</c>.
/// </summary>
public sealed class CoalescingFigures() : GatewayTest(
    options => options.QueueTime = TimeSpan.FromHours(1),
    settings: new Dictionary<string, string?> { ["Sunra:StatusPollIntervalSeconds"] = "1" })
{
    private static readonly int[] Watchers = [1, 10, 100];
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan For = TimeSpan.FromSeconds(3);

    private static CultureInfo Invariant => CultureInfo.InvariantCulture;

    [Fact]
    public async Task Caller_polls_against_Sunra_status_calls_for_1_10_and_100_watchers()
    {
        var report = new StringBuilder()
            .AppendLine(Invariant, $"Status coalescing: each watcher polls GET /remix/{{id}}/status every {Every.TotalMilliseconds} ms for {For.TotalSeconds} s")
            .AppendLine(Invariant, $"(the three runs side by side, one remix each, kept IN_QUEUE; Sunra:StatusPollIntervalSeconds = 1; in-memory store; one replica)")
            .AppendLine()
            .AppendLine("watchers  caller polls  Sunra status calls  caller polls per Sunra call");
        var runs = await Task.WhenAll(Watchers.Select(RunAsync));
        foreach (var run in runs)
        {
            report.AppendLine(Invariant, $"{run.Watchers,8}  {run.Polls,12}  {run.SunraCalls,18}  {(double)run.Polls / Math.Max(1, run.SunraCalls),27:F1}");
        }

        var text = report.ToString().TrimEnd();
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Console.WriteLine(text);
        var folder = Path.Combine(PublishedGateway.RepositoryRoot, "artifacts", "figures");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "status-coalescing.txt"), text + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), Cancellation);

        // About one Sunra call per second of polling, whatever the number of watchers.
        Assert.All(runs, run =>
        {
            Assert.Equal(0, run.Failed);
            // Every watcher polled, however slow a busy machine made the polls; the figures say how often.
            Assert.True(run.Polls >= run.Watchers * 2, $"{run.Watchers} watchers made only {run.Polls} polls");
            Assert.InRange(run.SunraCalls, 1, 6);
        });
    }

    private async Task<(int Watchers, int Polls, int SunraCalls, int Failed)> RunAsync(int watchers)
    {
        var id = (await Client.SubmitAsync()).GetProperty("request_id").GetString()!;
        var polls = 0;
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, watchers).Select(_ => Task.Run(
            async () =>
            {
                while (clock.Elapsed < For)
                {
                    using var response = await Client.GetAsync($"/remix/{id}/status", Cancellation);
                    Interlocked.Increment(ref polls);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failed);
                    }

                    await Task.Delay(Every, Cancellation);
                }
            },
            Cancellation)));

        var sunraCalls = Sunra.Calls.All.Count(call => call.Method == "GET" && call.PathAndQuery.StartsWith($"/v1/queue/requests/{id}/status", StringComparison.Ordinal));
        return (watchers, polls, sunraCalls, failed);
    }
}
