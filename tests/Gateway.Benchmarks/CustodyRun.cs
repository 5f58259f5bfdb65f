using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Callers;
using Sunra.Emulator;

namespace Gateway.Benchmarks;

/// <summary>
/// The custody run: one published gateway keeping videos in a directory (a temporary one, removed after)
/// and its records in memory, Sunra's callback on, against the emulator in this process on the real
/// clock (a remix completes 2 s after its submit). The emulator serves a large video made of the sample's
/// bytes (<see cref="FileHosting.Size"/>), which the gateway copies; the run prints the time from Sunra's
/// completion to the result saying <c>kept_by_gateway: true</c>, the gateway's peak resident memory
/// before and after (a streamed copy barely moves it), the time to download the kept video through its
/// signed link by one client and by several at once, and a 1 MiB range from its middle; then how long
/// <see cref="SmallVideos"/> remixes of the sample, completing together, take to be kept. Every copy is
/// checked (its size, and the SHA-256 of the bytes the emulator sent against the result's and against
/// each download's) so that no figure is of a broken copy.
/// </summary>
internal static class CustodyRun
{
    public const int SmallVideos = 100;

    public const int Clients = 4;

    public const int RangeBytes = 1024 * 1024;

    public const int RangeReads = 20;

    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    private const string CallerKey = "custody-caller-key";

    /// <summary>From submit to COMPLETED, a second of it queued: short, so that the run measures the copies.</summary>
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<List<string>> RunAsync(string publish, long size)
    {
        var failures = new List<string>();
        var work = Directory.CreateTempSubdirectory("gateway-custody-").FullName;
        try
        {
            await using var sunra = await ScaleSunra.StartAsync(RunTime, TimeProvider.System, enforceLimits: false);
            var maxBytes = Math.Max(2L << 30, size);
            var (gateway, baseUrl) = await StartGatewayAsync(publish, sunra.BaseUrl.ToString(), Path.Combine(work, "videos"), maxBytes, work);
            await using var _ = gateway;
            using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.Add(CallerKeyAuthentication.Header, CallerKey);

            // The links need no caller key: they are read by a client that has none.
            using var links = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };

            // One sample video kept and downloaded first, so that the peak before the large copy is the gateway's at work, not just started.
            var sampleSha256 = Convert.ToHexStringLower(SHA256.HashData(FileHosting.Sample.Span));
            var warmUp = await KeepAsync(client, sunra, "video_custody_warm_up");
            failures.AddRange(Check("warm-up copy", warmUp.Video, FileHosting.Sample.Length, sampleSha256));
            failures.AddRange(Check("warm-up download", await DownloadAsync(links, warmUp.Video.Url), FileHosting.Sample.Length, sampleSha256));
            if (failures.Count > 0)
            {
                return failures;
            }

            // The large video: its hash made here from the same bytes before the copy starts, so that the two never share the CPU.
            sunra.Files.Size = size;
            var expected = await ExpectedSha256Async(size);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var beforeCopy = gateway.Memory();
            var cpuBefore = gateway.CpuTime();
            var large = await KeepAsync(client, sunra, "video_custody_large");
            var cpuCopy = gateway.CpuTime() - cpuBefore;
            var afterCopy = gateway.Memory();
            failures.AddRange(Check("large copy", large.Video, size, expected));
            if (failures.Count > 0)
            {
                return failures;
            }

            var one = await DownloadAsync(links, large.Video.Url);
            failures.AddRange(Check("download by one client", one, size, expected));
            var together = Stopwatch.StartNew();
            var several = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => DownloadAsync(links, large.Video.Url)));
            var severalTime = together.Elapsed;
            foreach (var download in several)
            {
                failures.AddRange(Check($"download by {Clients} clients at once", download, size, expected));
            }

            var afterServing = gateway.Memory();
            // A 1-byte range beside the 1 MiB one: what a request costs whatever it reads.
            var ranges = new List<TimeSpan>();
            var bytes = new List<TimeSpan>();
            for (var i = 0; i < RangeReads; i++)
            {
                foreach (var (length, times) in new[] { (RangeBytes, ranges), (1, bytes) })
                {
                    var (elapsed, failure) = await ReadRangeAsync(links, large.Video.Url, size / 2, length, large.Video.Sha256!);
                    times.Add(elapsed);
                    if (failure is not null)
                    {
                        failures.Add(failure);
                    }
                }
            }

            // Many small videos, completing together: submitted one after another, within Sunra's 2 s.
            sunra.Files.Size = null;
            var small = await KeepManyAsync(client, sunra, SmallVideos);
            foreach (var kept in small)
            {
                failures.AddRange(Check("small copy", kept.Video, FileHosting.Sample.Length, sampleSha256));
            }

            var smallDownloads = await Task.WhenAll(small.Select(kept => DownloadAsync(links, kept.Video.Url)));
            failures.AddRange(smallDownloads.SelectMany(download => Check("small download", download, FileHosting.Sample.Length, sampleSha256)).Distinct());
            var afterSmall = gateway.Memory();
            if (failures.Count > 0)
            {
                return failures;
            }

            Console.WriteLine(Report.CustodyBlock(new CustodyFigures(
                size,
                large.Delay,
                cpuCopy,
                beforeCopy,
                afterCopy,
                afterServing,
                afterSmall,
                one.Elapsed,
                severalTime,
                [.. ranges],
                [.. bytes],
                [.. small.Select(kept => kept.Delay)],
                small.Max(kept => kept.KeptAt) - small.Min(kept => kept.CompletedAt),
                small.Max(kept => kept.CompletedAt) - small.Min(kept => kept.CompletedAt))));
            return failures;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<string> Check(string what, KeptResultVideo video, long size, string sha256)
    {
        if (!video.KeptByGateway)
        {
            yield return $"{what}: not kept by the gateway";
        }

        if (video.FileSize != size)
        {
            yield return $"{what}: file_size {video.FileSize}, not {size}";
        }

        if (video.Sha256 != sha256)
        {
            yield return $"{what}: sha256 {video.Sha256}, not that of the bytes Sunra sent ({sha256})";
        }
    }

    private static IEnumerable<string> Check(string what, Download download, long size, string sha256)
    {
        if (download.Status != HttpStatusCode.OK)
        {
            yield return $"{what}: {(int)download.Status}";
        }

        if (download.Bytes != size)
        {
            yield return $"{what}: {download.Bytes} bytes, not {size}";
        }

        if (download.Sha256 != sha256)
        {
            yield return $"{what}: SHA-256 {download.Sha256}, not {sha256}";
        }
    }

    private static async Task<string> ExpectedSha256Async(long size)
    {
        await using var content = new RepeatedSampleStream(size);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(content));
    }

    /// <summary>Submits one remix and waits for its result to say its video is kept.</summary>
    private static async Task<Kept> KeepAsync(HttpClient client, ScaleSunra sunra, string videoId) =>
        (await KeepAllAsync(client, sunra, [await SubmitAsync(client, videoId)]))[0];

    private static async Task<Kept[]> KeepManyAsync(HttpClient client, ScaleSunra sunra, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await SubmitAsync(client, $"video_custody_small_{i}"));
        }

        return await KeepAllAsync(client, sunra, ids);
    }

    private static async Task<string> SubmitAsync(HttpClient client, string videoId)
    {
        using var submit = await client.PostAsync("/remix", new StringContent($$"""{"video_id":"{{videoId}}","prompt":"a remix to keep"}""", Encoding.UTF8, "application/json"));
        if (submit.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"submit {videoId}: {(int)submit.StatusCode} {await submit.Content.ReadAsStringAsync()}");
        }

        return JsonDocument.Parse(await submit.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString()!;
    }

    /// <summary>
    /// Reads the remixes' results every <see cref="PollEvery"/> from the moment Sunra completes them (its
    /// callback leaves then) until each says its video is kept: the delay of each is from Sunra's
    /// completion to the read that saw it kept.
    /// </summary>
    private static async Task<Kept[]> KeepAllAsync(HttpClient client, ScaleSunra sunra, List<string> ids)
    {
        var completedAt = ids.ToDictionary(id => id, id => sunra.Requests.CompletesAt(sunra.Requests.Find(id) ?? throw new InvalidOperationException($"Sunra has no remix {id}")));
        var kept = new Dictionary<string, Kept>();
        var waiting = Stopwatch.StartNew();
        var first = completedAt.Values.Min() - DateTimeOffset.UtcNow;
        if (first > TimeSpan.Zero)
        {
            await Task.Delay(first);
        }

        while (kept.Count < ids.Count)
        {
            if (waiting.Elapsed > Patience)
            {
                throw new TimeoutException($"{ids.Count - kept.Count} of {ids.Count} videos not kept within {Patience.TotalMinutes} minutes");
            }

            var round = Task.Delay(PollEvery);
            var due = ids.Where(id => !kept.ContainsKey(id) && completedAt[id] <= DateTimeOffset.UtcNow).ToList();
            var reads = await Task.WhenAll(due.Select(async id => (Id: id, Video: await ReadResultAsync(client, id), At: DateTimeOffset.UtcNow)));
            foreach (var (id, video, at) in reads)
            {
                if (video is { KeptByGateway: true })
                {
                    kept[id] = new Kept(video, completedAt[id], at);
                }
            }

            await round;
        }

        return [.. ids.Select(id => kept[id])];
    }

    private static async Task<KeptResultVideo?> ReadResultAsync(HttpClient client, string id)
    {
        using var read = await client.GetAsync($"/remix/{id}");
        if (read.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        return JsonSerializer.Deserialize<KeptResultVideo>(JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("video"));
    }

    /// <summary>Downloads the whole video through its link, hashing it as it arrives (SHA-NI keeps that well ahead of loopback).</summary>
    private static async Task<Download> DownloadAsync(HttpClient links, string url)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await links.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        long bytes = 0;
        while (await body.ReadAsync(buffer) is var read and > 0)
        {
            sha256.AppendData(buffer, 0, read);
            bytes += read;
        }

        return new Download(response.StatusCode, bytes, Convert.ToHexStringLower(sha256.GetHashAndReset()), Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="from"/> and checks them against the bytes Sunra sent there.</summary>
    private static async Task<(TimeSpan Elapsed, string? Failure)> ReadRangeAsync(HttpClient links, string url, long from, int length, string etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(from, from + length - 1);
        var started = Stopwatch.GetTimestamp();
        using var response = await links.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var expected = new byte[length];
        await using var sent = new RepeatedSampleStream(from + length) { Position = from };
        await sent.ReadExactlyAsync(expected);
        var failure = response.StatusCode != HttpStatusCode.PartialContent ? $"range: {(int)response.StatusCode}, not 206"
            : response.Headers.ETag?.Tag != $"\"{etag}\"" ? $"range: ETag {response.Headers.ETag}, not the result's sha256"
            : !body.AsSpan().SequenceEqual(expected) ? $"range: {body.Length} bytes, not the {length} Sunra sent from {from}"
            : null;
        return (elapsed, failure);
    }

    private static async Task<(BenchProcess Process, string BaseUrl)> StartGatewayAsync(string publish, string sunra, string videos, long maxBytes, string work)
    {
        var port = FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = baseUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["SUNRA_KEY"] = ScaleSunra.Key,
            ["Sunra__BaseUrl"] = sunra,
            ["Sunra__CallbackBaseUrl"] = baseUrl,
            // Sunra's account limits, which the emulator does not enforce here, lifted in the gateway too: the small videos are submitted at once, to complete together.
            ["Sunra__Limits__SubmitsPerSecond"] = "100000",
            ["Sunra__Limits__SubmitsPerMinute"] = "100000",
            ["Sunra__Limits__OtherCallsPerSecond"] = "100000",
            ["Sunra__Limits__OtherCallsPerMinute"] = "100000",
            ["Gateway__Custody__Directory"] = videos,
            ["Gateway__Custody__AllowedSourceHosts__0"] = "127.0.0.1",
            ["Gateway__Custody__MaxBytes"] = maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__Clients__custody__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CallerKey))),
            ["Gateway__Clients__custody__SubmitsPerMinute"] = "1000000000",
            ["Gateway__Clients__custody__DailySubmitQuota"] = "1000000000",
            ["Gateway__Clients__custody__ReadsPerMinute"] = "1000000000",
        };
        var process = BenchProcess.Start("dotnet", [Path.Combine(publish, "Gateway.dll")], Path.Combine(work, $"gateway-{port}.log"), environment, publish);
        await process.WaitUntilAnswersAsync(new Uri(baseUrl + "/health/ready"), TimeSpan.FromSeconds(30));
        return (process, baseUrl);
    }

    /// <summary>A video kept: the result that said so, when Sunra completed the remix and when the result was first seen kept.</summary>
    private sealed record Kept(KeptResultVideo Video, DateTimeOffset CompletedAt, DateTimeOffset KeptAt)
    {
        public TimeSpan Delay => KeptAt - CompletedAt;
    }

    private sealed record Download(HttpStatusCode Status, long Bytes, string Sha256, TimeSpan Elapsed);
}

/// <summary>The result's video, as much of it as the run checks.</summary>
internal sealed record KeptResultVideo(
    [property: System.Text.Json.Serialization.JsonPropertyName("url")] string Url,
    [property: System.Text.Json.Serialization.JsonPropertyName("file_size")] long FileSize,
    [property: System.Text.Json.Serialization.JsonPropertyName("kept_by_gateway")] bool KeptByGateway,
    [property: System.Text.Json.Serialization.JsonPropertyName("sha256")] string? Sha256);

/// <summary>What the custody run measured: resident memory as (now, peak) MiB, times as measured by this process.</summary>
internal sealed record CustodyFigures(
    long Size,
    TimeSpan CopyDelay,
    TimeSpan CopyCpu,
    (double Now, double Peak) BeforeCopy,
    (double Now, double Peak) AfterCopy,
    (double Now, double Peak) AfterServing,
    (double Now, double Peak) AfterSmall,
    TimeSpan OneClient,
    TimeSpan SeveralClients,
    TimeSpan[] Ranges,
    TimeSpan[] OneByteRanges,
    TimeSpan[] SmallDelays,
    TimeSpan SmallSpan,
    TimeSpan SmallCompletionSpread);
