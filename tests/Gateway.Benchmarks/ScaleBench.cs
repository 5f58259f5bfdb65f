namespace Gateway.Benchmarks;

/// <summary>
/// The scale run for each number of remixes in flight asked for, one after the other, each on a fresh
/// gateway and emulator: polling, then with push on for the numbers asked for, each beside a poll run
/// of the same number.
/// </summary>
internal static class ScaleBench
{
    /// <summary>Runs the sizes, prints a block for each, a table of the poll runs and one of push against poll, and returns the errors found.</summary>
    public static async Task<List<string>> RunAsync(IReadOnlyList<int> sizes, IReadOnlyList<int> pushSizes)
    {
        Console.WriteLine(Report.ScaleHeading());
        var failures = new List<string>();
        var polled = new List<ScaleFigures>();
        var pushed = new List<ScaleFigures>();
        foreach (var size in sizes.Concat(pushSizes.Except(sizes)))
        {
            polled.Add(await RunOneAsync(PlanFor(size, push: false), failures));
        }

        foreach (var size in pushSizes)
        {
            pushed.Add(await RunOneAsync(PlanFor(size, push: true), failures));
        }

        Console.WriteLine(Report.ScaleTable(polled));
        if (pushed.Count > 0)
        {
            Console.WriteLine(Report.PushTable(polled, pushed));
        }

        return failures;
    }

    private static async Task<ScaleFigures> RunOneAsync(ScalePlan plan, List<string> failures)
    {
        var result = await ScaleRun.RunAsync(plan, Console.Error);
        Console.WriteLine(Report.ScaleBlock(result));
        failures.AddRange(result.Errors.Select(error => $"scale run, N={plan.InFlight}, {plan.Mode}: {error}"));
        return result;
    }

    // While remixes are only submitted, the work is a submit every 0.625 s of the clock: the clock can
    // run 200 times faster than real time. While N watchers read once a second each, the work grows
    // with N, and the clock must leave the two cores time to read them all within each second of it.
    private static ScalePlan PlanFor(int inFlight, bool push) =>
        new(inFlight, SubmitFactor: 100, WatchFactor: inFlight <= 1_000 ? 20 : 10, push);
}
