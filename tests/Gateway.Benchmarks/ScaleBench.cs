namespace Gateway.Benchmarks;

/// <summary>The scale run for each number of remixes in flight asked for, one after the other, each on a fresh gateway and emulator.</summary>
internal static class ScaleBench
{
    /// <summary>Runs the sizes, prints a block for each and a table of all, and returns the errors found.</summary>
    public static async Task<List<string>> RunAsync(IReadOnlyList<int> sizes)
    {
        Console.WriteLine(Report.ScaleHeading());
        var failures = new List<string>();
        var figures = new List<ScaleFigures>();
        foreach (var size in sizes)
        {
            var result = await ScaleRun.RunAsync(PlanFor(size), Console.Error);
            figures.Add(result);
            Console.WriteLine(Report.ScaleBlock(result));
            failures.AddRange(result.Errors.Select(error => $"scale run, N={size}: {error}"));
        }

        Console.WriteLine(Report.ScaleTable(figures));
        return failures;
    }

    // While remixes are only submitted, the work is a submit every 0.625 s of the clock: the clock can
    // run 200 times faster than real time. While N watchers read once a second each, the work grows
    // with N, and the clock must leave the two cores time to read them all within each second of it.
    private static ScalePlan PlanFor(int inFlight) =>
        new(inFlight, SubmitFactor: 100, WatchFactor: inFlight <= 1_000 ? 20 : 10);
}
