using System.Globalization;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The figures a real-process test prints: to its own output, to the console, and to
/// <c>artifacts/figures</c>, which the test command shows at the end of a run.
/// </summary>
internal static class Figures
{
    public static void Report(string file, params FormattableString[] lines)
    {
        var text = string.Join('\n', lines.Select(line => line.ToString(CultureInfo.InvariantCulture)));
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Console.WriteLine(text);
        var folder = Path.Combine(PublishedGateway.RepositoryRoot, "artifacts", "figures");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, file), text + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The value at the share (0.5 for the median) of values sorted in order; NaN for none.</summary>
    public static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(share * sorted.Count))];

    /// <summary>The one sample of a Prometheus scrape with the metric's name and all the labels given.</summary>
    public static double Sample(string scrape, string metric, params string[] labels) =>
        double.Parse(
            Assert.Single(scrape.Split('\n'), line => line.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(label => line.Contains(label, StringComparison.Ordinal))).Split(' ')[^1],
            CultureInfo.InvariantCulture);
}
