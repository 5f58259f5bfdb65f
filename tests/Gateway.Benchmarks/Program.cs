// The gateway's benchmark: POST /remix and a cached status read, through the published gateway,
// side by side with the same calls made straight to the upstream and through a plain YARP
// pass-through (ThroughputRun), then the scale run: N remixes in flight against Sunra's real account
// limits on a compressed clock (ScaleRun), polling and, for 100 and 1,000 in flight, with Sunra calling
// back (push), the streams run: 10,000 event streams over 100 remixes on one published gateway
// (StreamsRun), and the custody run: the published gateway copying a large video and 100 small ones,
// and serving the large one through its signed link (CustodyRun). It prints figures and fails only on
// errors. Run it with tests/bench.sh (--scale-only, --streams-only or --custody-only for one run alone).
using System.Globalization;
using Gateway.Benchmarks;

var options = BenchOptions.Parse(args);
var root = RepositoryRoot.Find();
var failures = new List<string>();
var publish = options.Gateway ?? Path.Combine(root, "artifacts", "publish", "Gateway");
var alone = options.ScaleOnly || options.StreamsOnly || options.CustodyOnly;
if (!alone)
{
    failures.AddRange(await ThroughputRun.RunAsync(options, root));
}

if (!alone || options.StreamsOnly)
{
    failures.AddRange(await StreamsRun.RunAsync(publish));
}

if (!alone || options.CustodyOnly)
{
    failures.AddRange(await CustodyRun.RunAsync(publish, options.CustodyMiB * 1024L * 1024));
}

if (options.ScaleSizes.Count > 0 && (!alone || options.ScaleOnly))
{
    failures.AddRange(await ScaleBench.RunAsync(options.ScaleSizes, options.PushSizes));
}

foreach (var failure in failures)
{
    Console.WriteLine($"error: {failure}");
}

return failures.Count == 0 ? 0 : 1;

/// <summary>
/// What to run and for how long; <see cref="Gateway"/> is another build of the gateway to measure (its
/// publish folder), <see cref="Store"/> where it keeps its records: "memory" (one replica) or "redis".
/// <see cref="ScaleOnly"/> runs the scale run alone, <see cref="StreamsOnly"/> the streams run alone,
/// <see cref="CustodyOnly"/> the custody run alone, whose large video is <see cref="CustodyMiB"/> MiB;
/// <see cref="ScaleSizes"/> are the scale run's numbers of remixes in flight (none: no scale run);
/// <see cref="PushSizes"/> those also run with Sunra calling back, each beside a poll run of the same
/// number (none: no push run; nor is there one without a scale run).
/// </summary>
internal sealed record BenchOptions(int Connections, TimeSpan Duration, TimeSpan Warmup, int Rounds, int Startups, string? Gateway = null, string Store = "memory")
{
    public bool ScaleOnly { get; init; }

    public bool StreamsOnly { get; init; }

    public bool CustodyOnly { get; init; }

    public int CustodyMiB { get; init; } = 512;

    public IReadOnlyList<int> ScaleSizes { get; init; } = [100, 1_000, 10_000];

    public IReadOnlyList<int> PushSizes { get; init; } = [100, 1_000];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(Connections: 32, Duration: TimeSpan.FromSeconds(10), Warmup: TimeSpan.FromSeconds(30), Rounds: 3, Startups: 3);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (args[i] == "--scale-only")
            {
                options = options with { ScaleOnly = true };
                i--;
                continue;
            }

            if (args[i] == "--streams-only")
            {
                options = options with { StreamsOnly = true };
                i--;
                continue;
            }

            if (args[i] == "--custody-only")
            {
                options = options with { CustodyOnly = true };
                i--;
                continue;
            }

            if (i + 1 == args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value");
            }

            if (args[i] == "--gateway")
            {
                options = options with { Gateway = Path.GetFullPath(args[i + 1]) };
                continue;
            }

            if (args[i] == "--store")
            {
                options = options with
                {
                    Store = args[i + 1] is "memory" or "redis" ? args[i + 1] : throw new ArgumentException($"--store {args[i + 1]}: use memory or redis"),
                };
                continue;
            }

            if (args[i] == "--scale")
            {
                options = options with { ScaleSizes = Sizes(args[i + 1]) };
                continue;
            }

            if (args[i] == "--push")
            {
                options = options with { PushSizes = Sizes(args[i + 1]) };
                continue;
            }

            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--connections" => options with { Connections = value },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(value) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(value) },
                "--rounds" => options with { Rounds = value },
                "--startups" => options with { Startups = value },
                "--custody-mib" => options with { CustodyMiB = value > 0 ? value : throw new ArgumentException("--custody-mib: a size of at least 1 MiB") },
                _ => throw new ArgumentException($"unknown option {args[i]}: use --connections, --duration, --warmup, --rounds, --startups, --gateway, --store, --scale, --push, --custody-mib, --scale-only, --streams-only or --custody-only"),
            };
        }

        return options;
    }

    private static List<int> Sizes(string value) =>
        value == "none" ? [] : [.. value.Split(',').Select(size => int.Parse(size, NumberStyles.AllowThousands, CultureInfo.InvariantCulture))];
}

internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Gateway.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }
}
